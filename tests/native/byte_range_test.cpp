// Unit tests for the Range header: parsing untrusted bytes, and Tornado's answers for a given size.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "native/byte_range.hpp"

using namespace updraft;
using Kind = RangeAnswer::Kind;

namespace {
// "whole", "416" or "OFFSET+LENGTH" for a header against size; "ignored" when the header is not a range we take.
std::string answer(std::string_view header, std::uint64_t size) {
  auto spec = parse_byte_range(header);
  if (!spec) return "ignored";
  RangeAnswer a = apply_byte_range(*spec, size);
  switch (a.kind) {
    case Kind::whole: return "whole";
    case Kind::unsatisfiable: return "416";
    case Kind::partial: return std::to_string(a.offset) + "+" + std::to_string(a.length);
  }
  return "?";
}
}  // namespace

TEST_CASE("byte ranges as Tornado answers them", "[range]") {
  CHECK(answer("bytes=0-99", 1000) == "0+100");
  CHECK(answer("bytes=100-", 1000) == "100+900");
  CHECK(answer("bytes=-100", 1000) == "900+100");
  CHECK(answer("bytes=5-5", 1000) == "5+1");
  CHECK(answer("bytes=999-999", 1000) == "999+1");
  CHECK(answer("bytes=900-5000", 1000) == "900+100");  // the end is capped
  CHECK(answer(" bytes = 1 - 2 ", 1000) == "1+2");
  CHECK(answer("BYTES=1-2", 1000) == "1+2");
}

TEST_CASE("a range covering everything is answered whole", "[range]") {
  CHECK(answer("bytes=0-", 1000) == "whole");
  CHECK(answer("bytes=0-999", 1000) == "whole");
  CHECK(answer("bytes=0-99999", 1000) == "whole");
  CHECK(answer("bytes=-1000", 1000) == "whole");
  CHECK(answer("bytes=-5000", 1000) == "whole");
  CHECK(answer("bytes=-", 1000) == "whole");
  CHECK(answer("bytes=", 1000) == "ignored");
}

TEST_CASE("unsatisfiable ranges", "[range]") {
  CHECK(answer("bytes=1000-", 1000) == "416");
  CHECK(answer("bytes=1000-2000", 1000) == "416");
  CHECK(answer("bytes=5-4", 1000) == "416");
  CHECK(answer("bytes=-0", 1000) == "416");
  CHECK(answer("bytes=0-", 0) == "416");
  CHECK(answer("bytes=-5", 0) == "416");
  CHECK(answer("bytes=99999999999999999999999999-", 1000) == "416");  // saturates instead of wrapping
  CHECK(answer("bytes=0-99999999999999999999999999", 1000) == "whole");
  CHECK(answer("bytes=10-99999999999999999999999999", 1000) == "10+990");
}

TEST_CASE("headers that are not one byte range are ignored", "[range]") {
  for (const char* header : {"", "bytes", "bytes 0-1", "items=0-1", "bytes=0-1,5-6", "bytes=a-b", "bytes=1", "bytes=+1-2",
                             "bytes=0x10-", "bytes=1-2-3", "bytes=--1", "bytes=-1-", "bytes=1 2-3", "bytes=\x01-2"}) {
    CAPTURE(header);
    CHECK(answer(header, 1000) == "ignored");
  }
}

TEST_CASE("Content-Range of a partial answer", "[range]") {
  CHECK(content_range({Kind::partial, 0, 100}, 1000) == "bytes 0-99/1000");
  CHECK(content_range({Kind::partial, 999, 1}, 1000) == "bytes 999-999/1000");
}
