// The HTTP client's gzip decoding: whole bodies, the size limit, corrupt and truncated bodies.
#include "core/httpclient/gunzip.hpp"

#include <catch2/catch.hpp>

#include <zlib.h>

#include <stdexcept>
#include <string>

using updraft::httpclient::gunzip;

namespace {
std::string gzip(const std::string& data) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}
}  // namespace

TEST_CASE("gunzip decodes a gzip body", "[httpclient]") {
  std::string body(100000, 'a');
  for (std::size_t i = 0; i < body.size(); i += 7) body[i] = static_cast<char>('a' + i % 26);
  CHECK(gunzip(gzip(body), body.size()) == body);
  CHECK(gunzip(gzip(""), 0) == std::string());
}

TEST_CASE("gunzip stops at the size limit", "[httpclient]") {
  std::string bomb = gzip(std::string(10 << 20, '\0'));  // 10 MiB of zeros in about 10 KiB
  CHECK(bomb.size() < 20000);
  CHECK_FALSE(gunzip(bomb, 1 << 20).has_value());
  CHECK_FALSE(gunzip(gzip("12345"), 4).has_value());
  CHECK(gunzip(gzip("12345"), 5) == "12345");
}

TEST_CASE("gunzip rejects corrupt and truncated bodies", "[httpclient]") {
  std::string good = gzip("some text that is long enough to matter, some text that is long enough to matter");
  CHECK_THROWS_AS(gunzip("not gzip at all", 1000), std::runtime_error);
  CHECK_THROWS_AS(gunzip(good.substr(0, good.size() / 2), 1000), std::runtime_error);
  std::string flipped = good;
  flipped[flipped.size() - 6] ^= 0x55;  // the CRC or the data: either way not the body that was sent
  CHECK_THROWS_AS(gunzip(flipped, 1000), std::runtime_error);
}
