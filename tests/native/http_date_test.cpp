// Unit tests for HTTP dates: IMF-fixdate out, the three formats in, anything else refused.
#include <catch2/catch.hpp>

#include "native/http_date.hpp"

using namespace updraft;

TEST_CASE("HTTP dates", "[static]") {
  constexpr std::time_t t = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
  CHECK(format_http_date(t) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == t);
  CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == t);
  CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == t);
  CHECK(parse_http_date(format_http_date(1700000000)) == 1700000000);
  for (const char* bad : {"", "yesterday", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 GMT trailing",
                          "Sun, 32 Nov 1994 08:49:37 GMT"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_http_date(bad));
  }
}
