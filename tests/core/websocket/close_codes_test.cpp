// Unit tests for valid_close_code: the codes RFC 6455 7.4 lets a Close frame carry, and the edges of its ranges.
#include <catch2/catch.hpp>

#include "core/websocket/close_codes.hpp"

using updraft::websocket::valid_close_code;

TEST_CASE("a Close frame may carry 1000-1003, 1007-1011 and 3000-4999", "[websocket][close]") {
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
    INFO("code " << code);
    CHECK(valid_close_code(static_cast<std::uint16_t>(code)));
  }
  for (int code : {0, 1, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    INFO("code " << code);
    CHECK_FALSE(valid_close_code(static_cast<std::uint16_t>(code)));
  }
}
