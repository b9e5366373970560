// Cookies: the request's Cookie header read as browsers send it, and Set-Cookie values built only from legal parts.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace updraft {

// Name and value of each cookie, names unique, in the order they first appeared.
using Cookies = std::vector<std::pair<std::string, std::string>>;

// Reads a Cookie header as Tornado's request.cookies does (httputil.parse_cookie, then http.cookies' checks): pairs
// split at ';', each at its first '=' (a pair without one has an empty name), ASCII whitespace trimmed, a value in
// double quotes unquoted (\" and \ooo octal escapes); a later pair replaces an earlier one of the same name; names
// that are not cookie names (see is_cookie_name) are dropped. Never fails: every input gives some cookies.
Cookies parse_cookie_header(std::string_view header);

// Whether name is a cookie name http.cookies accepts: RFC 7230 token characters and ':', and not an attribute name
// (Path, Domain, Expires, Max-Age, Secure, HttpOnly, SameSite, Comment, Version: any case).
bool is_cookie_name(std::string_view name);

// The attributes of a cookie being set (Tornado's set_cookie arguments).
struct CookieOptions {
  std::string path = "/";  // empty: no Path
  std::string domain{};
  std::optional<std::chrono::system_clock::time_point> expires{};
  std::optional<double> expires_days{};  // from now, when expires is not given
  std::optional<std::int64_t> max_age{};  // seconds
  bool secure = false;
  bool httponly = false;
  std::string samesite{};  // "Strict", "Lax" or "None" (any case); empty: no SameSite
};

// The value of a Set-Cookie header, with the attributes in the order Python's http.cookies writes them. Throws
// std::invalid_argument, naming the cookie, for a name that is_cookie_name refuses, a value outside
// RFC 6265's cookie-octets (controls, space, '"', ',', ';', '\', non-ASCII: encode such values first), a Path or
// Domain with a control character, ';' or a non-ASCII byte, an unknown SameSite, or an expiry outside the years
// 1601-9999. What it returns reads back through parse_cookie_header as the same name and value.
std::string format_set_cookie(std::string_view name, std::string_view value, const CookieOptions& options,
                              std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// An HTTP date (RFC 9110 IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::chrono::sys_seconds time);

}  // namespace updraft
