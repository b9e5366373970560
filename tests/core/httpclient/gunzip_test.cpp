// The HTTP client's gzip decoding: whole bodies, the size limit, corrupt and truncated bodies; the same fed in pieces
// (split at every point, byte by byte) with bounded output pieces.
#include "core/httpclient/gunzip.hpp"

#include <catch2/catch.hpp>

#include <zlib.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using updraft::httpclient::gunzip;
using updraft::httpclient::GunzipStream;

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

// Feeds the pieces in turn, collecting the output; the largest output piece goes to *largest.
std::string decode_pieces(const std::vector<std::string_view>& pieces, bool* ended, std::size_t* largest = nullptr) {
  GunzipStream decoder;
  std::string out;
  for (auto piece : pieces) {
    decoder.input(piece);
    for (auto decoded = decoder.output(); !decoded.empty(); decoded = decoder.output()) {
      out.append(decoded);
      if (largest) *largest = std::max(*largest, decoded.size());
    }
  }
  *ended = decoder.ended();
  return out;
}

std::string sample_text() {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i) + " of a sample\n";
  return text;
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

TEST_CASE("GunzipStream decodes a body split at every point and byte by byte", "[httpclient]") {
  std::string text = sample_text();
  std::string compressed = gzip(text);
  std::string_view all(compressed);
  bool ended = false;
  for (std::size_t split = 0; split <= all.size(); ++split) {
    CHECK(decode_pieces({all.substr(0, split), all.substr(split)}, &ended) == text);
    CHECK(ended);
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < all.size(); ++i) bytes.push_back(all.substr(i, 1));
  CHECK(decode_pieces(bytes, &ended) == text);
  CHECK(ended);
}

TEST_CASE("GunzipStream hands a small input that inflates a lot over in bounded pieces", "[httpclient]") {
  std::string bomb = gzip(std::string(10 << 20, '\0'));
  bool ended = false;
  std::size_t largest = 0;
  CHECK(decode_pieces({bomb}, &ended, &largest).size() == std::size_t{10 << 20});
  CHECK(ended);
  CHECK(largest <= 64 * 1024);
}

TEST_CASE("GunzipStream reports a truncated body and rejects a corrupt one", "[httpclient]") {
  std::string compressed = gzip(sample_text());
  bool ended = true;
  decode_pieces({std::string_view(compressed).substr(0, compressed.size() - 4)}, &ended);
  CHECK_FALSE(ended);
  GunzipStream decoder;
  decoder.input("not gzip at all");
  CHECK_THROWS_AS(decoder.output(), std::runtime_error);
}
