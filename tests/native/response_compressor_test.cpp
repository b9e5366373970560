// Unit tests for compress_response's transform (native/response_compressor.hpp): when a response is compressed, what
// its headers become, and a streamed one chunk by chunk.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <stdexcept>
#include <string>

#include "native/response_compressor.hpp"

using namespace updraft;

namespace {
RequestHead request(std::string_view accept_encoding, std::string_view method = "GET") {
  RequestHead head;
  head.method = method;
  if (!accept_encoding.empty()) head.headers.add("Accept-Encoding", accept_encoding);
  return head;
}

HeaderList response_headers(std::string_view type, std::size_t length) {
  HeaderList headers;
  headers.add("Content-Type", type);
  headers.add("Content-Length", std::to_string(length));
  return headers;
}

std::string gunzip(std::string_view data) {
  z_stream z{};
  REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[4096];
  int status;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    status = inflate(&z, Z_SYNC_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
  } while (status == Z_OK && (z.avail_in != 0 || z.avail_out == 0));
  inflateEnd(&z);
  return out;
}

const std::string kPage = [] {
  std::string s;
  while (s.size() < 5000) s += "<p>Hello, compressed world.</p>\n";
  return s;
}();
}  // namespace

TEST_CASE("compress_response: a whole page is gzipped with its encoded length", "[compress_response]") {
  CompressionOptions options;
  auto head = request("gzip, deflate");
  HeaderList headers = response_headers("text/html; charset=UTF-8", kPage.size());
  headers.add("ETag", "\"abc\"");
  std::string chunk = kPage;
  auto compressor = ResponseCompressor::start(options, head, 200, headers, chunk, true);
  REQUIRE(compressor);
  CHECK(headers.get("Content-Encoding") == "gzip");
  CHECK(headers.get("Vary") == "Accept-Encoding");
  CHECK(headers.get("ETag") == "W/\"abc\"");
  CHECK(headers.get("Content-Length") == std::to_string(chunk.size()));
  CHECK(chunk.size() < kPage.size() / 5);
  CHECK(gunzip(chunk) == kPage);
}

TEST_CASE("compress_response: br when the client takes it as gladly, gzip only when told", "[compress_response]") {
  CompressionOptions options;
  auto head = request("gzip, br");
  HeaderList headers = response_headers("application/json", kPage.size());
  std::string chunk = kPage;
  REQUIRE(ResponseCompressor::start(options, head, 200, headers, chunk, true));
  CHECK(headers.get("Content-Encoding") == "br");
  options.brotli = false;
  headers = response_headers("application/json", kPage.size());
  chunk = kPage;
  REQUIRE(ResponseCompressor::start(options, head, 200, headers, chunk, true));
  CHECK(headers.get("Content-Encoding") == "gzip");
}

TEST_CASE("compress_response: what goes out as it is", "[compress_response]") {
  CompressionOptions options;
  auto check_untouched = [&](const RequestHead& head, int status, HeaderList headers, std::string body,
                             bool vary) {
    std::string chunk = body;
    auto encoding = headers.get_joined("Content-Encoding");
    CHECK_FALSE(ResponseCompressor::start(options, head, status, headers, chunk, true));
    CHECK(chunk == body);
    CHECK(headers.get("Content-Length") == std::to_string(body.size()));
    CHECK(headers.contains("Vary") == vary);
    CHECK(headers.get_joined("Content-Encoding") == encoding);
  };
  auto gzip = request("gzip");
  SECTION("a client that asks for nothing, or refuses gzip") {
    check_untouched(request(""), 200, response_headers("text/html", kPage.size()), kPage, true);
    check_untouched(request("gzip;q=0"), 200, response_headers("text/html", kPage.size()), kPage, true);
  }
  SECTION("a whole body under min_length") {
    check_untouched(gzip, 200, response_headers("text/html", 1023), std::string(1023, 'a'), true);
  }
  SECTION("HEAD, 204, 206, 304") {
    check_untouched(request("gzip", "HEAD"), 200, response_headers("text/html", kPage.size()), kPage, true);
    for (int status : {204, 206, 304, 101}) check_untouched(gzip, status, response_headers("text/html", 0), "", true);
  }
  SECTION("a type that does not compress") {
    check_untouched(gzip, 200, response_headers("image/png", kPage.size()), kPage, false);
    check_untouched(gzip, 200, response_headers("application/octet-stream", kPage.size()), kPage, false);
  }
  SECTION("a body already encoded") {
    HeaderList headers = response_headers("text/html", kPage.size());
    headers.add("Content-Encoding", "gzip");
    check_untouched(gzip, 200, headers, kPage, false);
  }
}

TEST_CASE("compress_response: Vary is added once to what is there", "[compress_response]") {
  CompressionOptions options;
  auto head = request("gzip");
  for (auto [before, after] : {std::pair{"Cookie", "Cookie, Accept-Encoding"}, std::pair{"accept-encoding", "accept-encoding"},
                               std::pair{"*", "*"}}) {
    HeaderList headers = response_headers("text/css", kPage.size());
    headers.add("Vary", before);
    std::string chunk = kPage;
    ResponseCompressor::start(options, head, 200, headers, chunk, true);
    CHECK(headers.get("Vary") == after);
    CHECK(headers.count("Vary") == 1);
  }
}

TEST_CASE("compress_response: a streamed response goes chunked, each flush decodable", "[compress_response]") {
  CompressionOptions options;
  auto head = request("gzip");
  HeaderList headers = response_headers("text/plain", 5);
  std::string chunk = "first";  // small: a stream's first chunk is compressed whatever its size
  auto compressor = ResponseCompressor::start(options, head, 200, headers, chunk, false);
  REQUIRE(compressor);
  CHECK_FALSE(headers.contains("Content-Length"));
  std::string stream = chunk;
  CHECK(gunzip(stream) == "first");
  std::string empty;
  compressor->transform_chunk(empty, false);
  CHECK(empty.empty());
  std::string second = " second";
  compressor->transform_chunk(second, false);
  stream += second;
  CHECK(gunzip(stream) == "first second");
  std::string last = " last";
  compressor->transform_chunk(last, true);
  stream += last;
  CHECK(gunzip(stream) == "first second last");
}

TEST_CASE("compressible types", "[compress_response]") {
  for (auto type : {"text/html", "TEXT/CSS; charset=utf-8", "text/plain", "application/json", "application/javascript",
                    "image/svg+xml", "application/ld+json", "application/problem+json", "application/atom+xml"})
    CHECK(compressible_type(type));
  for (auto type : {"image/png", "application/octet-stream", "video/mp4", "application/gzip", "text/", "", "text"})
    CHECK_FALSE(compressible_type(type));
}

TEST_CASE("compress_response: levels out of range are refused", "[compress_response]") {
  CHECK_NOTHROW(check_compression_options(CompressionOptions{}));
  CHECK_NOTHROW(check_compression_options(CompressionOptions{.gzip_level = 1, .brotli_quality = 0}));
  CHECK_NOTHROW(check_compression_options(CompressionOptions{.gzip_level = 9, .brotli_quality = 11}));
  CHECK_THROWS_AS(check_compression_options(CompressionOptions{.gzip_level = 0}), std::invalid_argument);
  CHECK_THROWS_AS(check_compression_options(CompressionOptions{.gzip_level = 10}), std::invalid_argument);
  CHECK_THROWS_AS(check_compression_options(CompressionOptions{.brotli_quality = -1}), std::invalid_argument);
  CHECK_THROWS_AS(check_compression_options(CompressionOptions{.brotli_quality = 12}), std::invalid_argument);
}
