// URL helpers for native handlers and the WSGI environ alike: percent-decoding, escaping and form/query parsing
// (Tornado's url_unescape, url_escape and parse_qs_bytes), done by Boost.URL.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace updraft {

using Arguments = std::vector<std::pair<std::string, std::string>>;

// Decodes %XX escapes (malformed escapes are kept as they are); plus_as_space for forms.
std::string url_unescape(std::string_view s, bool plus_as_space);
// Escapes everything but unreserved characters.
std::string url_escape(std::string_view s);
// Parses application/x-www-form-urlencoded text, appending to args; blank values are kept.
void parse_query(std::string_view query, Arguments& args);

}  // namespace updraft
