// Cookies: the lenient Cookie header reader and the strict Set-Cookie writer.
#include "native/cookies.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "core/http/headers.hpp"

namespace updraft {

namespace {
bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_name_char(char c) {
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~:";
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         kSymbols.find(c) != std::string_view::npos;
}

bool is_octal(char c) { return c >= '0' && c <= '7'; }

// http.cookies' _unquote: a value in double quotes loses them, and inside, \ooo (first digit 0-3) is that byte and
// \c is c (for any c but a line feed, which Python's '.' does not match).
std::string unquote(std::string_view value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return std::string(value);
  value = value.substr(1, value.size() - 2);
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '\\' || i + 1 == value.size()) {
      out.push_back(value[i]);
    } else if (i + 3 < value.size() && value[i + 1] >= '0' && value[i + 1] <= '3' && is_octal(value[i + 2]) &&
               is_octal(value[i + 3])) {
      out.push_back(static_cast<char>((value[i + 1] - '0') * 64 + (value[i + 2] - '0') * 8 + (value[i + 3] - '0')));
      i += 3;
    } else if (value[i + 1] != '\n') {
      out.push_back(value[++i]);
    } else {
      out.push_back(value[i]);
    }
  }
  return out;
}

// RFC 6265 section 4.1.1: what a cookie value may hold unquoted.
bool is_cookie_octet(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x21 && u <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

// RFC 6265's av-octet for Path and Domain: printable ASCII and space, but no ';'.
bool is_attribute_octet(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u <= 0x7e && c != ';';
}

// The name as it can go into a log line: bytes outside printable ASCII as \xNN.
std::string printable(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out.append(escaped);
    }
  }
  return out;
}

void require(bool legal, std::string_view name, std::string_view what) {
  if (!legal) throw std::invalid_argument("invalid cookie " + printable(name) + ": " + std::string(what));
}

// The seconds from the epoch of 1601-01-01 and of 9999-12-31T23:59:59: the dates a cookie can carry.
constexpr std::int64_t kEarliestCookieTime = -11644473600;
constexpr std::int64_t kLatestCookieTime = 253402300799;

// When the cookie expires, in seconds from the epoch; past kLatestCookieTime when expires_days is out of all range.
std::optional<std::int64_t> expiry(const CookieOptions& options, std::chrono::system_clock::time_point now) {
  using std::chrono::floor;
  using std::chrono::seconds;
  if (options.expires) return floor<seconds>(*options.expires).time_since_epoch().count();
  if (!options.expires_days) return std::nullopt;
  double at = std::floor(double(floor<seconds>(now).time_since_epoch().count()) + *options.expires_days * 86400);
  if (!(at >= double(kEarliestCookieTime) && at <= double(kLatestCookieTime))) return kLatestCookieTime + 1;  // NaN too
  return static_cast<std::int64_t>(at);
}
}  // namespace

bool is_cookie_name(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kAttributes = {"expires", "path",    "comment", "domain",  "max-age",
                                                                  "secure",  "httponly", "version", "samesite"};
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) return false;
  return std::none_of(kAttributes.begin(), kAttributes.end(),
                      [&](std::string_view attribute) { return iequals(name, attribute); });
}

Cookies parse_cookie_header(std::string_view header) {
  Cookies cookies;
  while (true) {
    std::size_t semicolon = header.find(';');
    std::string_view pair = header.substr(0, semicolon);
    std::size_t equals = pair.find('=');
    std::string_view name = equals == std::string_view::npos ? std::string_view() : trim(pair.substr(0, equals));
    std::string_view value = trim(equals == std::string_view::npos ? pair : pair.substr(equals + 1));
    if (is_cookie_name(name)) {
      auto same = std::find_if(cookies.begin(), cookies.end(), [&](const auto& c) { return c.first == name; });
      if (same != cookies.end()) same->second = unquote(value);
      else cookies.emplace_back(std::string(name), unquote(value));
    }
    if (semicolon == std::string_view::npos) break;
    header.remove_prefix(semicolon + 1);
  }
  return cookies;
}

std::string format_http_date(std::chrono::sys_seconds time) {
  static constexpr std::array<const char*, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto days = std::chrono::floor<std::chrono::days>(time);
  std::chrono::year_month_day date(days);
  std::chrono::hh_mm_ss clock(time - days);
  char out[40];
  std::snprintf(out, sizeof out, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                kWeekdays[std::chrono::weekday(days).c_encoding()], unsigned(date.day()),
                kMonths[unsigned(date.month()) - 1], int(date.year()), int(clock.hours().count()),
                int(clock.minutes().count()), int(clock.seconds().count()));
  return out;
}

std::string format_set_cookie(std::string_view name, std::string_view value, const CookieOptions& options,
                              std::chrono::system_clock::time_point now) {
  require(is_cookie_name(name), name, "the name is not a token, or is an attribute's name");
  require(std::all_of(value.begin(), value.end(), is_cookie_octet), name,
          "the value has a character a cookie cannot hold (control, space, '\"', ',', ';', '\\' or non-ASCII)");
  require(std::all_of(options.path.begin(), options.path.end(), is_attribute_octet), name, "illegal Path");
  require(std::all_of(options.domain.begin(), options.domain.end(), is_attribute_octet), name, "illegal Domain");
  std::string samesite;
  for (std::string_view known : {"Strict", "Lax", "None"})
    if (iequals(options.samesite, known)) samesite = known;
  require(options.samesite.empty() || !samesite.empty(), name, "SameSite is not Strict, Lax or None");
  auto expires = expiry(options, now);
  require(!expires || (*expires >= kEarliestCookieTime && *expires <= kLatestCookieTime), name,
          "expiry outside the years 1601-9999");

  std::string out;
  out.append(name).append("=").append(value);
  if (!options.domain.empty()) out.append("; Domain=").append(options.domain);
  if (expires) out.append("; expires=").append(format_http_date(std::chrono::sys_seconds(std::chrono::seconds(*expires))));
  if (options.httponly) out.append("; HttpOnly");
  if (options.max_age) out.append("; Max-Age=").append(std::to_string(*options.max_age));
  if (!options.path.empty()) out.append("; Path=").append(options.path);
  if (!samesite.empty()) out.append("; SameSite=").append(samesite);
  if (options.secure) out.append("; Secure");
  return out;
}

}  // namespace updraft
