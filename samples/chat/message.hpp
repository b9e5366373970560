// Message: one chat message (its id, its text and that text as HTML), the checks a text must pass, and its JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace chat {

inline constexpr std::size_t kMaxBodyBytes = 10 * 1024;

struct Message {
  std::uint64_t id;
  std::string body;  // as the client sent it
  std::string html;  // <div class="message" id="mID">the body, escaped</div>
};

// Throws std::invalid_argument, saying why, for a text no message may have: blank, over kMaxBodyBytes, not UTF-8.
void check_body(std::string_view body);
// Escapes & < > " ' so that text shows as text anywhere in HTML, attribute values included.
std::string escape_html(std::string_view text);
Message make_message(std::uint64_t id, std::string body);

// {"id": ..., "body": ..., "html": ...}
boost::json::object to_json(const Message& message);
// {"messages": [...]}
boost::json::object to_json(const std::vector<Message>& messages);

}  // namespace chat
