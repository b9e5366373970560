// Builds the frames a WebSocket client sends, for the tests: masked or not, any flags and opcode, any length form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/websocket/frame_writer.hpp"

namespace updraft::websocket::testing {

enum class LengthForm { shortest, bits16, bits64 };

struct ClientHeader {
  bool fin = true;
  std::uint8_t rsv = 0;  // kRsv1Bit, kRsv2Bit, kRsv3Bit as they sit in the first byte
  LengthForm length = LengthForm::shortest;
  bool masked = true;
};

// The unmasked frame as a client would send it with its mask bit set and the masking key of RFC 6455 5.7's example
// (37 fa 21 3d) after the length: the payload XORed with it.
inline std::string mask_frame(std::string_view frame) {
  static constexpr std::uint8_t kKey[4] = {0x37, 0xfa, 0x21, 0x3d};
  const std::uint8_t length7 = static_cast<std::uint8_t>(frame[1]) & kLengthBits;
  const std::size_t header = 2 + (length7 == kLength16 ? 2 : length7 == kLength64 ? 8 : 0);
  std::string masked(frame.substr(0, header));
  masked[1] = static_cast<char>(masked[1] | kMaskBit);
  masked.append(reinterpret_cast<const char*>(kKey), sizeof kKey);
  for (std::size_t i = header; i < frame.size(); ++i) masked += static_cast<char>(frame[i] ^ kKey[(i - header) % 4]);
  return masked;
}

// A client's frame with opcode (reserved ones too: static_cast<Opcode>(3)) and payload.
inline std::string client_frame(Opcode opcode, std::string_view payload, const ClientHeader& header = {}) {
  std::string frame(1, static_cast<char>((header.fin ? kFinBit : 0) | header.rsv | static_cast<std::uint8_t>(opcode)));
  LengthForm form = header.length;
  if (form == LengthForm::shortest && payload.size() >= kLength16)
    form = payload.size() <= 0xFFFF ? LengthForm::bits16 : LengthForm::bits64;
  const int length_bytes = form == LengthForm::bits16 ? 2 : form == LengthForm::bits64 ? 8 : 0;
  frame += static_cast<char>(length_bytes == 2 ? kLength16 : length_bytes == 8 ? kLength64 : payload.size());
  for (int shift = 8 * (length_bytes - 1); shift >= 0; shift -= 8)
    frame += static_cast<char>(static_cast<std::uint64_t>(payload.size()) >> shift);
  frame.append(payload);
  return header.masked ? mask_frame(frame) : frame;
}

}  // namespace updraft::websocket::testing
