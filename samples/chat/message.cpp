// Message: checking a text, escaping it for HTML, and the JSON the clients receive.
#include "samples/chat/message.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/json/array.hpp>

#include "core/websocket/utf8.hpp"

namespace chat {

void check_body(std::string_view body) {
  if (body.size() > kMaxBodyBytes)
    throw std::invalid_argument("message too long: " + std::to_string(body.size()) + " bytes, the limit is " +
                                std::to_string(kMaxBodyBytes));
  if (std::all_of(body.begin(), body.end(), [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }))
    throw std::invalid_argument("empty message");
  if (!updraft::websocket::is_valid_utf8(body)) throw std::invalid_argument("message is not valid UTF-8");
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

Message make_message(std::uint64_t id, std::string body) {
  std::string html = "<div class=\"message\" id=\"m" + std::to_string(id) + "\">" + escape_html(body) + "</div>";
  return {id, std::move(body), std::move(html)};
}

boost::json::object to_json(const Message& message) {
  return {{"id", message.id}, {"body", message.body}, {"html", message.html}};
}

boost::json::object to_json(const std::vector<Message>& messages) {
  boost::json::array array;
  for (const Message& m : messages) array.emplace_back(to_json(m));
  return {{"messages", std::move(array)}};
}

}  // namespace chat
