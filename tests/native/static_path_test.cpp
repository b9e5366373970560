// Unit tests for static_relative_path: what a static URL may name, and every way out of the root refused.
#include <catch2/catch.hpp>

#include <string>

#include "native/static_path.hpp"

using updraft::static_relative_path;

TEST_CASE("static paths decode each segment once", "[static]") {
  CHECK(static_relative_path("site.css") == "site.css");
  CHECK(static_relative_path("css/site.css") == "css/site.css");
  CHECK(static_relative_path("a%20b/c%2Bd.txt") == "a b/c+d.txt");
  CHECK(static_relative_path("%252e%252e") == "%2e%2e");  // decoded once: a file literally named so
  CHECK(static_relative_path("...") == "...");
  CHECK(static_relative_path(".hidden") == ".hidden");
  CHECK(static_relative_path("a..b/c") == "a..b/c");
  CHECK(static_relative_path("100%") == "100%");  // a malformed escape is kept as it is
}

TEST_CASE("static paths that could leave the root are refused", "[static]") {
  auto path = GENERATE(as<std::string>{}, "", "/", "..", ".", "../etc/passwd", "a/../../b", "a/..", "./a", "a/./b",
                       "%2e%2e", "%2E%2E/x", ".%2e", "%2e./x", "a/%2e%2e/%2e%2e/b", "%2e", "a%2fb", "a%2Fb",
                       "..%2fetc%2fpasswd", "%2f", "a%5cb", "..%5c..%5cwin.ini", "a\\b", "/etc/passwd", "a//b", "a/",
                       "a%00.css", std::string("a\0b", 3), "%00");
  CAPTURE(path);
  CHECK_FALSE(static_relative_path(path));
}
