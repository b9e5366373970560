// Unit tests for the frame writer: the bytes of each kind of server frame, the length encodings at their edges
// (125, 126, 65535, 65536 bytes) read back by the parser once masked, and the misuses it refuses.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "core/websocket/client_frame.hpp"
#include "core/websocket/close_codes.hpp"
#include "core/websocket/frame_replay.hpp"
#include "core/websocket/frame_writer.hpp"

using updraft::websocket::append_close;
using updraft::websocket::append_frame;
using updraft::websocket::append_frame_header;
using updraft::websocket::FrameOptions;
using updraft::websocket::kCloseNormal;
using updraft::websocket::kCloseNoStatus;
using updraft::websocket::Opcode;
using updraft::websocket::testing::FrameReplay;
using updraft::websocket::testing::mask_frame;
using namespace std::string_literals;

namespace {

std::string frame(Opcode opcode, std::string_view payload, updraft::websocket::FrameFlags flags = {}) {
  std::string out;
  append_frame(out, opcode, payload, flags);
  return out;
}

std::string close_frame(std::uint16_t code, std::string_view reason = {}) {
  std::string out;
  append_close(out, code, reason);
  return out;
}

// What the parser reads from the frame once a client has masked it (checked cut every `cut_step` bytes too).
std::string read_back(const std::string& server_frame, std::size_t cut_step = 1, const FrameOptions& options = {}) {
  return FrameReplay::every_way(options, mask_frame(server_frame), cut_step);
}

}  // namespace

TEST_CASE("server frames are unmasked, with FIN and the opcode in the first byte", "[websocket][writer]") {
  // RFC 6455 5.7's unmasked examples.
  CHECK(frame(Opcode::text, "Hello") == "\x81\x05Hello");
  CHECK(frame(Opcode::ping, "Hello") == "\x89\x05Hello");
  CHECK(frame(Opcode::pong, "Hello") == "\x8a\x05Hello");
  CHECK(frame(Opcode::text, "Hel", {.fin = false}) + frame(Opcode::continuation, "lo") == "\x01\x03Hel\x80\x02lo");
  CHECK(frame(Opcode::binary, "") == "\x82\x00"s);
  CHECK(frame(Opcode::binary, "z", {.compressed = true}) == "\xc2\x01z");
  CHECK(close_frame(kCloseNormal, "bye") == "\x88\x05\x03\xe8"s + "bye");
  CHECK(close_frame(4000) == "\x88\x02\x0f\xa0");
  CHECK(close_frame(kCloseNoStatus) == "\x88\x00"s);  // answers a Close frame that had no code
}

TEST_CASE("the payload length takes 7, 16 or 64 bits, whichever is shortest", "[websocket][writer]") {
  const std::string p125(125, 'a');
  const std::string p126(126, 'b');
  const std::string p65535(65535, 'c');
  const std::string p65536(65536, 'd');
  CHECK(frame(Opcode::binary, p125).substr(0, 2) == "\x82\x7d");
  CHECK(frame(Opcode::binary, p126).substr(0, 4) == "\x82\x7e\x00\x7e"s);
  CHECK(frame(Opcode::binary, p65535).substr(0, 4) == "\x82\x7e\xff\xff");
  CHECK(frame(Opcode::binary, p65536).substr(0, 10) == "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"s);
  CHECK(frame(Opcode::binary, p65536).size() == 10 + 65536);

  CHECK(read_back(frame(Opcode::binary, p125)) == "binary \"" + p125 + "\"\nend\n");
  CHECK(read_back(frame(Opcode::text, p126)) == "text \"" + p126 + "\"\nend\n");
  CHECK(read_back(frame(Opcode::text, p65535), 4099) == "text \"" + p65535 + "\"\nend\n");
  CHECK(read_back(frame(Opcode::binary, p65536), 4099) == "binary \"" + p65536 + "\"\nend\n");
  CHECK(read_back(frame(Opcode::ping, p125)) == "ping \"" + p125 + "\"\nend\n");
}

TEST_CASE("a header alone is the start of the whole frame, and frames append", "[websocket][writer]") {
  std::string out = "before";
  append_frame_header(out, Opcode::text, 70000);
  CHECK(out == "before" + frame(Opcode::text, std::string(70000, 'x')).substr(0, 10));

  std::string frames;
  append_frame(frames, Opcode::text, "Hel", {.fin = false, .compressed = true});
  append_frame(frames, Opcode::ping, "p");
  append_frame(frames, Opcode::continuation, "lo", {.fin = false});
  append_frame(frames, Opcode::continuation, "!");
  append_close(frames, 1001, "away");
  std::string client;
  for (std::size_t at = 0; at < frames.size();) {  // each frame masked on its own, as a client sends them
    const std::size_t size = 2 + static_cast<std::uint8_t>(frames[at + 1]);
    client += mask_frame(frames.substr(at, size));
    at += size;
  }
  CHECK(FrameReplay::every_way({.deflate = true}, client) ==
        "ping \"p\"\ntext \"Hello!\" compressed\nclose 1001 \"away\"\nend\n");
}

TEST_CASE("the writer refuses frames the protocol does not allow", "[websocket][writer]") {
  std::string out;
  CHECK_THROWS_AS(append_frame(out, Opcode::ping, std::string(126, 'p')), std::invalid_argument);
  CHECK_THROWS_AS(append_frame_header(out, Opcode::pong, 126), std::invalid_argument);
  CHECK_THROWS_AS(append_frame(out, Opcode::ping, "", {.fin = false}), std::invalid_argument);
  CHECK_THROWS_AS(append_frame(out, Opcode::pong, "", {.compressed = true}), std::invalid_argument);
  CHECK_THROWS_AS(append_close(out, 1005, "why"), std::invalid_argument);
  CHECK_THROWS_AS(append_close(out, 1006), std::invalid_argument);
  CHECK_THROWS_AS(append_close(out, 1004), std::invalid_argument);
  CHECK_THROWS_AS(append_close(out, 5000), std::invalid_argument);
  CHECK_THROWS_AS(append_close(out, kCloseNormal, std::string(124, 'r')), std::invalid_argument);
  CHECK_THROWS_AS(append_close(out, kCloseNormal, "\xff"), std::invalid_argument);
  CHECK(out.empty());
  append_close(out, kCloseNormal, std::string(123, 'r'));
  CHECK(out.size() == 2 + 125);
}
