// Unit tests for the permessage-deflate codec, with real zlib: RFC 7692's example payloads and other implementations',
// round trips with and without context takeover at every window size, the size limit against a compression bomb,
// corrupt payloads, the empty message, and the heap each mode holds.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "core/websocket/deflate_codec.hpp"

using updraft::websocket::DeflateOptions;
using updraft::websocket::DeflateParameters;
using updraft::websocket::MessageDeflater;
using updraft::websocket::MessageInflater;
using updraft::websocket::shared_stream_heap_bytes;
using Result = MessageInflater::Result;
using namespace std::string_literals;

namespace {
constexpr std::size_t kNoLimit = 64u << 20;
const DeflateParameters kTakeover{};
const DeflateParameters kNoTakeover{.server_no_context_takeover = true, .client_no_context_takeover = true};

std::string compress(MessageDeflater& deflater, std::string_view message) {
  std::string out;
  deflater.compress(message, out);
  return out;
}

// The message the inflater reads from a payload, or "too big" / "invalid".
std::string inflate(MessageInflater& inflater, std::string_view payload, std::size_t max_size = kNoLimit) {
  std::string out;
  switch (inflater.decompress(payload, max_size, out)) {
    case Result::ok: return out;
    case Result::too_big: return "too big";
    case Result::invalid: return "invalid";
  }
  return "?";
}

// Text that compresses like chat messages: words from a small vocabulary, with repeats at every distance.
std::string words(std::size_t size, unsigned seed) {
  static const char* const vocabulary[] = {"hello", "world", "updraft", "message", "deflate", "window", "the", "a"};
  std::mt19937 random(seed);
  std::string text;
  while (text.size() < size) text.append(vocabulary[random() % 8]).push_back(random() % 5 ? ' ' : '\n');
  text.resize(size);
  return text;
}

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}
}  // namespace

TEST_CASE("RFC 7692's example payloads inflate to their messages", "[websocket][deflate]") {
  MessageInflater inflater(kTakeover);
  // 7.2.3.1: one compressed block, then 7.2.3.2: the second "Hello" refers back into the first message.
  CHECK(inflate(inflater, "\xf2\x48\xcd\xc9\xc9\x07\x00"s) == "Hello");
  CHECK(inflate(inflater, "\xf2\x00\x11\x00\x00"s) == "Hello");
  // 7.2.3.3: a stored block; 7.2.3.5: two blocks in one message.
  CHECK(inflate(inflater, "\x00\x05\x00\xfa\xff\x48\x65\x6c\x6c\x6f\x00"s) == "Hello");
  CHECK(inflate(inflater, "\xf2\x48\x05\x00\x00\x00\xff\xff\xca\xc9\xc9\x07\x00"s) == "Hello");
  // 7.2.3.4: a final block (BFINAL), and the byte that starts the empty stored block the tail completes.
  CHECK(inflate(inflater, "\xf3\x48\xcd\xc9\xc9\x07\x00\x00"s) == "Hello");
  // The window goes on past a final block: the next message still refers back to "Hello".
  CHECK(inflate(inflater, "\xf2\x00\x11\x00\x00"s) == "Hello");
  // A final block without the extra byte (zlib's Z_FINISH output, as some senders do) is read too.
  CHECK(inflate(inflater, "\xf3\x48\xcd\xc9\xc9\x07\x00"s) == "Hello");
  CHECK(inflate(inflater, "\xf2\x00\x11\x00\x00"s) == "Hello");
}

TEST_CASE("another implementation's messages with context takeover inflate in turn", "[websocket][deflate]") {
  // pywebsocket's "tora" sent three times: the second and third are back references only.
  MessageInflater inflater(kTakeover);
  CHECK(inflate(inflater, "\x2a\xc9\x2f\x4a\x04\x00"s) == "tora");
  CHECK(inflate(inflater, "\x2a\x01\x62\x00\x00"s) == "tora");
  CHECK(inflate(inflater, "\x02\x61\x00\x00"s) == "tora");
}

TEST_CASE("without context takeover a back reference into the last message is invalid", "[websocket][deflate]") {
  MessageInflater inflater(kNoTakeover);
  CHECK(inflate(inflater, "\xf2\x48\xcd\xc9\xc9\x07\x00"s) == "Hello");
  CHECK(inflate(inflater, "\xf2\x00\x11\x00\x00"s) == "invalid");
  // Each message on its own still inflates.
  MessageInflater other(kNoTakeover);
  CHECK(inflate(other, "\xf2\x48\xcd\xc9\xc9\x07\x00"s) == "Hello");
  CHECK(inflate(other, "\xf2\x48\xcd\xc9\xc9\x07\x00"s) == "Hello");
}

TEST_CASE("the deflater writes RFC 7692's payloads", "[websocket][deflate]") {
  MessageDeflater takeover(kTakeover, DeflateOptions{});
  CHECK(compress(takeover, "Hello") == "\xf2\x48\xcd\xc9\xc9\x07\x00"s);
  CHECK(compress(takeover, "Hello") == "\xf2\x00\x11\x00\x00"s);  // refers back to the first
  MessageDeflater no_takeover(kNoTakeover, DeflateOptions{});
  CHECK(compress(no_takeover, "Hello") == "\xf2\x48\xcd\xc9\xc9\x07\x00"s);
  CHECK(compress(no_takeover, "Hello") == "\xf2\x48\xcd\xc9\xc9\x07\x00"s);
  // Appended after what out held.
  std::string out = "head";
  takeover.compress("Hello", out);
  CHECK(out.starts_with("head"));
  CHECK(out.size() > 4);
}

TEST_CASE("messages round-trip with and without context takeover at every window size", "[websocket][deflate]") {
  std::vector<std::string> messages = {"Hello", words(100, 1), words(100, 1), "", words(5000, 2),
                                       random_bytes(3000, 3), std::string(70000, 'x'), words(300000, 4),
                                       random_bytes(1, 5), words(5000, 2)};
  for (bool takes_over : {true, false}) {
    for (std::uint8_t bits = 8; bits <= 15; ++bits) {
      for (int level : {1, 6, 9}) {
        INFO("context takeover " << takes_over << ", window bits " << int(bits) << ", level " << level);
        // The server's window bits are the deflater's, the client's the inflater's: both the same here, so 8 checks
        // that zlib's 9-bit window never reaches past 256 bytes.
        const DeflateParameters agreed{.server_no_context_takeover = !takes_over,
                                       .client_no_context_takeover = !takes_over,
                                       .server_max_window_bits = bits,
                                       .client_max_window_bits = bits};
        MessageDeflater deflater(agreed, DeflateOptions{.compression_level = level, .memory_level = bits % 9 + 1});
        MessageInflater inflater(agreed);
        std::size_t compressed_size = 0;
        for (const std::string& message : messages) {
          const std::string payload = compress(deflater, message);
          compressed_size += payload.size();
          REQUIRE(inflate(inflater, payload) == message);
        }
        CHECK(compressed_size < 200000);  // words(300000) and the x's compress
      }
    }
  }
}

TEST_CASE("context takeover makes a repeated message smaller", "[websocket][deflate]") {
  const std::string message = words(2000, 7);
  MessageDeflater takeover(kTakeover, DeflateOptions{});
  MessageDeflater no_takeover(kNoTakeover, DeflateOptions{});
  const std::size_t first = compress(takeover, message).size();
  CHECK(compress(takeover, message).size() < 40);  // back references only
  CHECK(compress(no_takeover, message).size() == first);
  CHECK(compress(no_takeover, message).size() == first);
}

TEST_CASE("an empty message is one byte, and an empty payload inflates to it too", "[websocket][deflate]") {
  for (const DeflateParameters& agreed : {kTakeover, kNoTakeover}) {
    MessageDeflater deflater(agreed, DeflateOptions{});
    MessageInflater inflater(agreed);
    CHECK(compress(deflater, "") == "\x00"s);
    CHECK(inflate(inflater, "\x00"s).empty());
    CHECK(inflate(inflater, "").empty());
    CHECK(inflate(inflater, compress(deflater, "Hello")) == "Hello");
    CHECK(inflate(inflater, compress(deflater, "")).empty());
    CHECK(inflate(inflater, compress(deflater, "Hello")) == "Hello");
    CHECK(inflate(inflater, "", 0).empty());
  }
}

TEST_CASE("a message over the limit stops inflating there", "[websocket][deflate]") {
  for (const DeflateParameters& agreed : {kTakeover, kNoTakeover}) {
    // 10 MB of zeros compress to about 10 KB.
    MessageDeflater deflater(agreed, DeflateOptions{});
    const std::string bomb = compress(deflater, std::string(10'000'000, '\0'));
    CHECK(bomb.size() < 20'000);

    MessageInflater inflater(agreed);
    std::string out = "kept";
    CHECK(inflater.decompress(bomb, 64 * 1024, out) == Result::too_big);
    CHECK(out == "kept");                // what was appended is taken back
    CHECK(out.capacity() < 256 * 1024);  // and it stopped near the limit, not at 10 MB
    CHECK(inflater.heap_bytes() == 0);   // the context is dropped: the connection closes

    // The limit is on the message, to the byte.
    MessageDeflater fresh(agreed, DeflateOptions{});
    const std::string payload = compress(fresh, "Hello");
    MessageInflater exact(kNoTakeover);
    CHECK(inflate(exact, payload, 5) == "Hello");
    CHECK(inflate(exact, payload, 4) == "too big");
    CHECK(inflate(exact, payload, 0) == "too big");
  }
}

TEST_CASE("corrupt payloads are invalid", "[websocket][deflate]") {
  const std::string corrupt[] = {
      "\x06"s,                                          // a block of the reserved type 11
      "\xfd\xff\xff\xff"s,                              // a dynamic block with 288 literal/length codes
      "\x00\x05\x00\x00\x00Hello\x00"s,                 // a stored block whose length's complement is wrong
      "\xf2\x48\xcd"s,                                  // cut inside a block
      "\xf2\x48\xcd\xc9\xc9\x07\x00\x00\x00\xff\xff"s,  // the flush's tail left on: the appended one is cut
      "\xf3\x48\xcd\xc9\xc9\x07\x00\xff"s,              // a final block, then a block of the reserved type
      "\xf3\x48\xcd\xc9\xc9\x07\x00\x03\x00"s,          // two final blocks in one message
      "\xf2\x00\x11\x00\x00"s,                          // a back reference with nothing before it
  };
  for (const DeflateParameters& agreed : {kTakeover, kNoTakeover}) {
    for (const std::string& payload : corrupt) {
      INFO(payload.size() << " bytes");
      MessageInflater inflater(agreed);
      std::string out = "kept";
      CHECK(inflater.decompress(payload, kNoLimit, out) == Result::invalid);
      CHECK(out == "kept");
    }
  }
  CHECK(close_code(Result::invalid) == 1007);
  CHECK(close_code(Result::too_big) == 1009);
}

TEST_CASE("the heap a connection holds: its own streams with context takeover, none without", "[websocket][deflate]") {
  // Idle, before any message: nothing but the objects themselves.
  CHECK(sizeof(MessageDeflater) <= 24);
  CHECK(sizeof(MessageInflater) <= 16);
  MessageDeflater deflater(kTakeover, DeflateOptions{});
  MessageInflater inflater(kTakeover);
  CHECK(deflater.heap_bytes() == 0);
  CHECK(inflater.heap_bytes() == 0);

  // With context takeover: zlib's 256 KiB for window 15 and memory level 8, 32 KiB of inflate window, and state.
  std::string out;
  REQUIRE(inflater.decompress(compress(deflater, "Hello"), kNoLimit, out) == Result::ok);
  CHECK(deflater.heap_bytes() > 256 * 1024);
  CHECK(deflater.heap_bytes() < 256 * 1024 + 8 * 1024);
  CHECK(inflater.heap_bytes() > 32 * 1024);
  CHECK(inflater.heap_bytes() < 32 * 1024 + 8 * 1024);

  // Smaller windows and memory level cost less.
  const DeflateParameters small{.server_max_window_bits = 9, .client_max_window_bits = 9};
  MessageDeflater small_deflater(small, DeflateOptions{.memory_level = 1});
  MessageInflater small_inflater(small);
  REQUIRE(small_inflater.decompress(compress(small_deflater, "Hello"), kNoLimit, out) == Result::ok);
  CHECK(small_deflater.heap_bytes() < 16 * 1024);
  CHECK(small_inflater.heap_bytes() < 8 * 1024);

  // Without: the thread's shared streams do the work, the connection holds nothing.
  MessageDeflater shared_deflater(kNoTakeover, DeflateOptions{});
  MessageInflater shared_inflater(kNoTakeover);
  REQUIRE(shared_inflater.decompress(compress(shared_deflater, "Hello"), kNoLimit, out) == Result::ok);
  CHECK(shared_deflater.heap_bytes() == 0);
  CHECK(shared_inflater.heap_bytes() == 0);
  const std::size_t shared = shared_stream_heap_bytes();
  CHECK(shared > 256 * 1024 + 32 * 1024);
  // ... and many connections share them.
  std::vector<MessageDeflater> deflaters;
  for (int i = 0; i < 100; ++i) compress(deflaters.emplace_back(kNoTakeover, DeflateOptions{}), words(1000, i));
  for (const MessageDeflater& d : deflaters) CHECK(d.heap_bytes() == 0);
  CHECK(shared_stream_heap_bytes() == shared);
}
