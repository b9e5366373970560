// Encodes the frames a WebSocket server sends (RFC 6455 5.2), appended to a string so that one encoded frame can be
// written to many connections.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace updraft::websocket {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// The bits of a frame's first two bytes and the lengths they announce (RFC 6455 5.2), for the parser too.
inline constexpr std::uint8_t kFinBit = 0x80;
inline constexpr std::uint8_t kRsv1Bit = 0x40;
inline constexpr std::uint8_t kRsv2Bit = 0x20;
inline constexpr std::uint8_t kRsv3Bit = 0x10;
inline constexpr std::uint8_t kOpcodeBits = 0x0F;
inline constexpr std::uint8_t kControlBit = 0x08;  // in the opcode: close, ping, pong and the reserved 0xB..0xF
inline constexpr std::uint8_t kMaskBit = 0x80;
inline constexpr std::uint8_t kLengthBits = 0x7F;
inline constexpr std::uint8_t kLength16 = 126;  // the 7-bit length that announces a 16-bit one
inline constexpr std::uint8_t kLength64 = 127;  // ... and a 64-bit one
inline constexpr std::uint64_t kMaxControlPayload = 125;

constexpr bool is_control(Opcode opcode) { return static_cast<std::uint8_t>(opcode) & kControlBit; }

// The first byte's flags: fin is false on every frame of a fragmented message but its last; compressed (RSV1) marks
// the first frame of a message compressed with permessage-deflate.
struct FrameFlags {
  bool fin = true;
  bool compressed = false;
};

// Appends a frame's header, unmasked, with payload_size in its shortest form (7, 16 or 64 bits); the payload is for
// the caller to send after it. A control frame (close, ping, pong) that is fragmented, compressed or longer than 125
// bytes throws std::invalid_argument.
void append_frame_header(std::string& out, Opcode opcode, std::uint64_t payload_size, FrameFlags flags = {});

// Appends a whole frame: its header, then the payload.
void append_frame(std::string& out, Opcode opcode, std::string_view payload, FrameFlags flags = {});

// Appends a Close frame with code and a UTF-8 reason of at most 123 bytes, or with no payload at all for
// kCloseNoStatus (the answer to a Close frame that had none). Any other code a Close frame may not carry, a longer
// reason or one that is not UTF-8 throws std::invalid_argument.
void append_close(std::string& out, std::uint16_t code, std::string_view reason = {});

}  // namespace updraft::websocket
