// Server frame encoding: FIN, RSV1 and the opcode, the payload length in its shortest form, no masking key.
#include "core/websocket/frame_writer.hpp"

#include <stdexcept>

#include "core/websocket/close_codes.hpp"
#include "core/websocket/utf8.hpp"

namespace updraft::websocket {

namespace {

// Appends the low `bytes` bytes of value, most significant first (network order).
void append_big_endian(std::string& out, std::uint64_t value, int bytes) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

}  // namespace

void append_frame_header(std::string& out, Opcode opcode, std::uint64_t payload_size, FrameFlags flags) {
  if (is_control(opcode) && (!flags.fin || flags.compressed || payload_size > kMaxControlPayload))
    throw std::invalid_argument("a WebSocket control frame is unfragmented, uncompressed and at most 125 bytes");
  const std::uint8_t first =
      (flags.fin ? kFinBit : 0) | (flags.compressed ? kRsv1Bit : 0) | static_cast<std::uint8_t>(opcode);
  out.push_back(static_cast<char>(first));
  if (payload_size < kLength16) {
    out.push_back(static_cast<char>(payload_size));
  } else if (payload_size <= 0xFFFF) {
    out.push_back(static_cast<char>(kLength16));
    append_big_endian(out, payload_size, 2);
  } else {
    out.push_back(static_cast<char>(kLength64));
    append_big_endian(out, payload_size, 8);
  }
}

void append_frame(std::string& out, Opcode opcode, std::string_view payload, FrameFlags flags) {
  append_frame_header(out, opcode, payload.size(), flags);
  out.append(payload);
}

void append_close(std::string& out, std::uint16_t code, std::string_view reason) {
  if (code == kCloseNoStatus && reason.empty()) {
    append_frame_header(out, Opcode::close, 0);
    return;
  }
  if (!valid_close_code(code)) throw std::invalid_argument("not a close code a Close frame may carry");
  if (reason.size() > kMaxControlPayload - 2 || !is_valid_utf8(reason))
    throw std::invalid_argument("a close reason is UTF-8 of at most 123 bytes");
  append_frame_header(out, Opcode::close, 2 + reason.size());
  append_big_endian(out, code, 2);
  out.append(reason);
}

}  // namespace updraft::websocket
