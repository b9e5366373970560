// Unit tests for native/cookies: the Cookie reader against what Tornado 6.2's request.cookies gives for the same
// header (hostile ones too), the Set-Cookie writer's format (as Python's http.cookies writes it) and its refusals.
#include <catch2/catch.hpp>

#include <chrono>
#include <limits>
#include <stdexcept>
#include <string>

#include "native/cookies.hpp"

using updraft::CookieOptions;
using updraft::Cookies;
using updraft::format_set_cookie;
using updraft::parse_cookie_header;

namespace {
std::chrono::system_clock::time_point at(std::int64_t unix_seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds));
}
}  // namespace

// Each expectation is what tornado.httputil.HTTPServerRequest(headers={"Cookie": header}).cookies holds.
TEST_CASE("parse_cookie_header reads a Cookie header as Tornado's request.cookies does", "[cookies]") {
  struct Case {
    std::string header;
    Cookies expected;
  };
  auto c = GENERATE(values<Case>({
      {"a=1; b=2", {{"a", "1"}, {"b", "2"}}},
      {" a = 1 ;b=  \"x y\" ", {{"a", "1"}, {"b", "x y"}}},
      {"noequals; c=3", {{"c", "3"}}},
      {"=v; d=4", {{"d", "4"}}},
      {"a=1; a=2; b=3", {{"a", "2"}, {"b", "3"}}},
      {"path=/; Secure; e=5", {{"e", "5"}}},
      {"MAX-AGE=1; Version=2; samesite=x; Comment=1; HttpOnly=1; expires=3; domain=4; g=7", {{"g", "7"}}},
      {"x:y=1; bad name=2; [x]=3", {{"x:y", "1"}}},
      {"q=\"a\\\"b\\073c\\\\d\"", {{"q", "a\"b;c\\d"}}},
      {"q=\"\\400\"", {{"q", "400"}}},
      {"q=\"\\\"", {{"q", "\\"}}},
      {"q=\"unterminated", {{"q", "\"unterminated"}}},
      {"q=\"\"", {{"q", ""}}},
      {"q=\"", {{"q", "\""}}},
      {"q=\"a\\\nb\"", {{"q", "a\\\nb"}}},
      {";;;", {}},
      {"", {}},
      {"a=b=c", {{"a", "b=c"}}},
      {std::string("e=\x01\x7f\0z", 6), {{"e", std::string("\x01\x7f\0z", 4)}}},
      {"\xc3\xa9=1; f=\xc3\xa9", {{"f", "\xc3\xa9"}}},
  }));
  CAPTURE(c.header);
  CHECK(parse_cookie_header(c.header) == c.expected);
}

TEST_CASE("parse_cookie_header keeps every name it returns legal and unique on hostile input", "[cookies]") {
  std::string hostile = "a=1;" + std::string(10000, ';') + std::string(5000, '=') + "\"\\\\\"; b=\"\\377\\0\"" +
                        std::string(3000, '\\') + "; a=" + std::string(2000, '"');
  Cookies cookies = parse_cookie_header(hostile);
  REQUIRE(cookies.size() == 2);
  CHECK(cookies[0].first == "a");
  CHECK(cookies[0].second == std::string(2000, '"').substr(1, 1998));
  CHECK(cookies[1].first == "b");
  CHECK(cookies[1].second.starts_with("\"\\377"));  // not a quoted value: the backslashes after it stay
}

TEST_CASE("is_cookie_name takes http.cookies' legal keys that are not attribute names", "[cookies]") {
  CHECK(updraft::is_cookie_name("session_id"));
  CHECK(updraft::is_cookie_name("a!#$%&'*+-.^_`|~:9"));
  CHECK_FALSE(updraft::is_cookie_name(""));
  CHECK_FALSE(updraft::is_cookie_name("a b"));
  CHECK_FALSE(updraft::is_cookie_name("a=b"));
  CHECK_FALSE(updraft::is_cookie_name("a;b"));
  CHECK_FALSE(updraft::is_cookie_name("\xc3\xa9"));
  CHECK_FALSE(updraft::is_cookie_name("Path"));
  CHECK_FALSE(updraft::is_cookie_name("sAmEsItE"));
}

TEST_CASE("format_set_cookie writes the attributes as Python's http.cookies does", "[cookies]") {
  CookieOptions options{.path = "/",
                        .domain = "example.com",
                        .expires = at(1300000000),
                        .max_age = 60,
                        .secure = true,
                        .httponly = true,
                        .samesite = "lax"};
  // Morsel.OutputString() for the same cookie.
  CHECK(format_set_cookie("n", "v", options) ==
        "n=v; Domain=example.com; expires=Sun, 13 Mar 2011 07:06:40 GMT; HttpOnly; Max-Age=60; Path=/; SameSite=Lax; "
        "Secure");
  CHECK(format_set_cookie("n", "v", {}) == "n=v; Path=/");
  CHECK(format_set_cookie("n", "", {.path = ""}) == "n=");
}

TEST_CASE("format_set_cookie counts expires_days from now, and expires wins over it", "[cookies]") {
  auto now = at(1300000000);
  CookieOptions in_a_day;
  in_a_day.expires_days = 1.5;
  CHECK(format_set_cookie("n", "v", in_a_day, now) == "n=v; expires=Mon, 14 Mar 2011 19:06:40 GMT; Path=/");
  CookieOptions last_year;
  last_year.expires_days = -365;
  CHECK(format_set_cookie("n", "v", last_year, now) == "n=v; expires=Sat, 13 Mar 2010 07:06:40 GMT; Path=/");
  CookieOptions both{.expires = at(0)};
  both.expires_days = 1;
  CHECK(format_set_cookie("n", "v", both, now) == "n=v; expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/");
}

TEST_CASE("format_set_cookie refuses what could inject a header or not read back", "[cookies]") {
  const std::string bad_values[] = {"a\r\nSet-Cookie: evil=1", "a\nb", "a;b", "a b", "a,b", "a\"b", "a\\b",
                                    std::string("a\0b", 3), "\x7f", "caf\xc3\xa9", "\t"};
  for (const auto& value : bad_values) {
    CAPTURE(value);
    CHECK_THROWS_AS(format_set_cookie("n", value, {}), std::invalid_argument);
  }
  for (std::string_view name : {"", "a b", "a=b", "a;b", "a\r\nX: y", "Expires", "max-age", "caf\xc3\xa9"}) {
    CAPTURE(name);
    CHECK_THROWS_AS(format_set_cookie(name, "v", {}), std::invalid_argument);
  }
  CHECK_THROWS_AS(format_set_cookie("n", "v", {.path = "/a;Domain=evil"}), std::invalid_argument);
  CHECK_THROWS_AS(format_set_cookie("n", "v", {.path = "/\r\nX: y"}), std::invalid_argument);
  CHECK_THROWS_AS(format_set_cookie("n", "v", {.domain = "a\x01.com"}), std::invalid_argument);
  CHECK_THROWS_AS(format_set_cookie("n", "v", {.samesite = "Lax; Secure"}), std::invalid_argument);
  CookieOptions forever;
  forever.expires_days = 1e300;
  CHECK_THROWS_AS(format_set_cookie("n", "v", forever), std::invalid_argument);
  forever.expires_days = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(format_set_cookie("n", "v", forever), std::invalid_argument);
  CHECK_THROWS_WITH(format_set_cookie("session", "a;b", {}), Catch::Contains("session"));
  // The message goes into the error log: a name's line break is spelled out, not written.
  CHECK_THROWS_WITH(format_set_cookie("a\r\nX: y", "v", {}), Catch::Contains("a\\x0d\\x0aX: y"));
}

TEST_CASE("a cookie format_set_cookie writes reads back as the same name and value", "[cookies]") {
  const std::string value = "2|1:0|10:1300000000|4:user|4:QW5u+/=!#$%&'()*-.:<>?@[]^_`{|}~";
  std::string line = format_set_cookie("user", value, {.httponly = true});
  Cookies back = parse_cookie_header(line.substr(0, line.find(';')));
  REQUIRE(back.size() == 1);
  CHECK(back[0] == std::pair<std::string, std::string>("user", value));
}

TEST_CASE("format_http_date writes IMF-fixdate at the ends of the cookie range", "[cookies]") {
  using std::chrono::seconds;
  using std::chrono::sys_seconds;
  CHECK(updraft::format_http_date(sys_seconds(seconds(-11644473600))) == "Mon, 01 Jan 1601 00:00:00 GMT");
  CHECK(updraft::format_http_date(sys_seconds(seconds(253402300799))) == "Fri, 31 Dec 9999 23:59:59 GMT");
  CHECK(updraft::format_http_date(sys_seconds(seconds(0))) == "Thu, 01 Jan 1970 00:00:00 GMT");
}
