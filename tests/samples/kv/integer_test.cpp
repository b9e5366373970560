// Unit tests for parse_integer: Redis's string2ll rules.
#include <catch2/catch.hpp>

#include <climits>

#include "samples/kv/integer.hpp"

using updraft::kv::parse_integer;

TEST_CASE("parse_integer reads what Redis's string2ll reads", "[kv][integer]") {
  long long value = 7;
  CHECK((parse_integer("0", value) && value == 0));
  CHECK((parse_integer("42", value) && value == 42));
  CHECK((parse_integer("-42", value) && value == -42));
  CHECK((parse_integer("9223372036854775807", value) && value == LLONG_MAX));
  CHECK((parse_integer("-9223372036854775808", value) && value == LLONG_MIN));
  value = 7;
  for (const char* bad : {"", "-", "+1", " 1", "1 ", "01", "00", "-0", "-01", "1a", "0x1", "1.0", "9223372036854775808",
                          "-9223372036854775809", "18446744073709551616", "99999999999999999999", "100000000000000000000"})
    CHECK_FALSE(parse_integer(bad, value));
  CHECK(value == 7);  // untouched on failure
}
