// Unit tests for the content encoders (native/content_encoding.hpp), decoded by the real zlib and brotli decoders:
// whole bodies, empty ones, and streams whose every sync flush decodes to all that was given so far.
#include <catch2/catch.hpp>

#include <brotli/decode.h>
#include <zlib.h>

#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include "native/content_encoding.hpp"

using namespace updraft;
using Flush = ContentEncoder::Flush;

namespace {

// Decodes a stream fed in pieces: what came out so far, and whether the stream has ended.
class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void feed(std::string_view piece) = 0;
  virtual bool ended() const = 0;
  std::string out;
};

class GunzipDecoder final : public Decoder {
 public:
  GunzipDecoder() { REQUIRE(inflateInit2(&z_, 15 + 16) == Z_OK); }
  ~GunzipDecoder() override { inflateEnd(&z_); }
  void feed(std::string_view piece) override {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
    z_.avail_in = static_cast<uInt>(piece.size());
    char buffer[4096];
    do {
      z_.next_out = reinterpret_cast<Bytef*>(buffer);
      z_.avail_out = sizeof buffer;
      int status = inflate(&z_, Z_SYNC_FLUSH);
      REQUIRE((status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR));
      out.append(buffer, sizeof buffer - z_.avail_out);
      if (status == Z_STREAM_END) ended_ = true;
    } while (z_.avail_out == 0 || (z_.avail_in != 0 && !ended_));
  }
  bool ended() const override { return ended_; }

 private:
  z_stream z_{};
  bool ended_ = false;
};

class BrotliDecoder final : public Decoder {
 public:
  BrotliDecoder() : state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {}
  ~BrotliDecoder() override { BrotliDecoderDestroyInstance(state_); }
  void feed(std::string_view piece) override {
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(piece.data());
    std::size_t avail_in = piece.size();
    for (;;) {
      std::size_t avail_out = 0;
      auto result = BrotliDecoderDecompressStream(state_, &avail_in, &next_in, &avail_out, nullptr, nullptr);
      REQUIRE(result != BROTLI_DECODER_RESULT_ERROR);
      std::size_t size = 0;
      const std::uint8_t* data = BrotliDecoderTakeOutput(state_, &size);
      out.append(reinterpret_cast<const char*>(data), size);
      if (result == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) continue;
      break;
    }
    REQUIRE(avail_in == 0);
  }
  bool ended() const override { return BrotliDecoderIsFinished(state_); }

 private:
  BrotliDecoderState* state_;
};

std::unique_ptr<Decoder> decoder_for(ContentCoding coding) {
  if (coding == ContentCoding::gzip) return std::make_unique<GunzipDecoder>();
  return std::make_unique<BrotliDecoder>();
}

std::string html_like(std::size_t size) {
  std::string s;
  for (int i = 0; s.size() < size; ++i) s += "<tr><td>row " + std::to_string(i) + "</td><td>some text</td></tr>\n";
  s.resize(size);
  return s;
}

std::string random_bytes(std::size_t size) {
  std::mt19937 rng(42);
  std::string s(size, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}
}  // namespace

TEST_CASE("content encoders: whole bodies round-trip", "[content_encoding]") {
  auto coding = GENERATE(ContentCoding::gzip, ContentCoding::br);
  int level = coding == ContentCoding::gzip ? 6 : 4;
  for (const std::string& body : {std::string(), std::string("a"), html_like(100 * 1024), random_bytes(300 * 1024)}) {
    std::string encoded = encode_content(coding, level, body);
    if (body.size() == 100 * 1024) CHECK(encoded.size() < body.size() / 5);
    auto decoder = decoder_for(coding);
    decoder->feed(encoded);
    CHECK(decoder->ended());
    CHECK(decoder->out == body);
  }
}

TEST_CASE("content encoders: an empty body is a complete, tiny stream", "[content_encoding]") {
  CHECK(encode_content(ContentCoding::gzip, 6, "").size() == 20);  // the gzip header and trailer around no data
  std::string br = encode_content(ContentCoding::br, 4, "");
  CHECK(br.size() <= 2);
  auto decoder = decoder_for(ContentCoding::br);
  decoder->feed(br);
  CHECK(decoder->ended());
  CHECK(decoder->out.empty());
}

TEST_CASE("content encoders: each sync flush decodes to everything given so far", "[content_encoding]") {
  auto coding = GENERATE(ContentCoding::gzip, ContentCoding::br);
  auto encoder = make_content_encoder(coding, coding == ContentCoding::gzip ? 6 : 4);
  auto decoder = decoder_for(coding);
  std::string given;
  for (int i = 0; i < 20; ++i) {
    std::string chunk = i % 5 == 4 ? random_bytes(70000) : "event " + std::to_string(i) + " " + html_like(i * 300);
    given += chunk;
    std::string out;
    // Half the chunks arrive in two writes, the first one unflushed.
    if (i % 2) {
      encoder->encode(std::string_view(chunk).substr(0, chunk.size() / 2), Flush::none, out);
      encoder->encode(std::string_view(chunk).substr(chunk.size() / 2), Flush::sync, out);
    } else {
      encoder->encode(chunk, Flush::sync, out);
    }
    decoder->feed(out);
    REQUIRE(decoder->out == given);
    CHECK_FALSE(decoder->ended());
  }
  std::string last;
  encoder->encode("", Flush::finish, last);
  decoder->feed(last);
  CHECK(decoder->ended());
  CHECK(decoder->out == given);
  CHECK_THROWS_AS(encoder->encode("more", Flush::sync, last), std::logic_error);
}

TEST_CASE("content encoders: a reused gzip stream starts afresh", "[content_encoding]") {
  // The first encoder's stream, left mid-way, goes to the thread's spare slot; the next one must not carry its state.
  {
    auto abandoned = make_content_encoder(ContentCoding::gzip, 6);
    std::string out;
    abandoned->encode(html_like(5000), Flush::none, out);
  }
  for (int i = 0; i < 3; ++i) {
    std::string body = html_like(3000 + i);
    auto decoder = decoder_for(ContentCoding::gzip);
    decoder->feed(encode_content(ContentCoding::gzip, 6, body));
    CHECK(decoder->ended());
    CHECK(decoder->out == body);
  }
  std::string body = html_like(4000);  // another level: a stream of its own
  auto decoder = decoder_for(ContentCoding::gzip);
  decoder->feed(encode_content(ContentCoding::gzip, 1, body));
  CHECK(decoder->out == body);
}

TEST_CASE("content encoders: bad settings are refused", "[content_encoding]") {
  CHECK_THROWS_AS(make_content_encoder(ContentCoding::identity, 6), std::invalid_argument);
  CHECK_THROWS_AS(make_content_encoder(ContentCoding::gzip, 10), std::invalid_argument);
  CHECK_THROWS_AS(make_content_encoder(ContentCoding::br, 12), std::invalid_argument);
}
