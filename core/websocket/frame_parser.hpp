// FrameParser: reads the frames a WebSocket client sends (RFC 6455 5), incrementally, into messages and control frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/websocket/frame_writer.hpp"
#include "core/websocket/utf8.hpp"

namespace updraft::websocket {

struct FrameOptions {
  // A message's payload, all its fragments together, as sent (compressed, if it is). A frame that would take a
  // message past it is refused (1009) from its header, before its payload is read.
  std::size_t max_message_size = 10u << 20;
  // permessage-deflate was negotiated: RSV1 on a message's first frame marks it compressed. Otherwise RSV1 is an error.
  bool deflate = false;
};

// A way for a client to break the protocol, with the close code and reason that answer it (in frame_parser.cpp).
struct FrameViolation;

// Turns a connection's input into events, one per next() call, in the order of the frames: whole messages (text or
// binary, unmasked, their fragments put together) and control frames (ping, pong, close), which may come between the
// fragments of a message; or the first violation of the protocol, with the close code to answer it with.
//
//   for (;;) {
//     const FrameParser::Event e = parser.next(input);
//     drop(input, e.consumed);  // the parser keeps what it needs of a frame cut short
//     if (e.kind == FrameParser::Kind::need_more) break;  // read at least e.needed more bytes
//     if (e.kind == FrameParser::Kind::error) { send_close(e.code, e.payload); break; }
//     handle(e);  // e.payload is valid until the next call
//   }
//
// Bytes can come in any pieces: the events and the error are the same however the input is cut, and no byte is read
// twice. A frame is checked as soon as its bytes allow: the first two bytes (reserved bits and opcodes, masking,
// fragmented control frames, continuations without a message, a message started inside another), then the rest of
// the header (a 64-bit length with its high bit set, control payloads over 125 bytes, a close payload of 1 byte, the
// message size), then the payload: a text message's UTF-8 is checked as it arrives, fragment after fragment (unless it
// is compressed: then it is the inflated text that is UTF-8), and a close frame's code and reason when it is complete.
// After a close frame the rest of the input is ignored; after an error next() returns the same error again.
//
// The parser holds the message being read and a control frame cut short; between messages it holds no buffer.
class FrameParser {
 public:
  enum class Kind : std::uint8_t { need_more, text, binary, ping, pong, close, error };

  struct Event {
    Kind kind;
    // The bytes of the input taken: with need_more all of them, else those up to the end of the frame that completed
    // the event; 0 with error (the connection closes).
    std::size_t consumed = 0;
    // With need_more: bytes the frame being read still lacks at least, so more cannot make an event before they come
    // (never 0, except once a close frame has come and nothing more is read).
    std::size_t needed = 0;
    // The message or ping/pong payload, unmasked; a close frame's reason; with error, the reason to close with.
    // Valid until the next call.
    std::string_view payload = {};
    // close: the code it carried (kCloseNoStatus if none); error: the code to close with.
    std::uint16_t code = 0;
    // text, binary: the message is compressed (RSV1 on its first frame, with deflate).
    bool compressed = false;
  };

  explicit FrameParser(const FrameOptions& options = {});

  // Reads from the start of input (the bytes not consumed yet) up to the next event.
  Event next(std::string_view input);

  std::size_t max_message_size() const { return max_message_size_; }

  // The heap memory the parser holds: 0 between messages.
  std::size_t heap_bytes() const { return buffer_.capacity(); }

 private:
  enum class Phase : std::uint8_t { header, payload, closed };

  bool read_header(std::string_view input, std::size_t& pos);
  void take_header_bytes(std::string_view input, std::size_t& pos, std::size_t size);
  std::size_t header_size() const;
  std::uint64_t payload_length() const;
  const FrameViolation* check_first_bytes() const;
  const FrameViolation* check_length(std::uint64_t length) const;
  void start_frame(std::uint64_t length);
  void read_payload(std::string_view input, std::size_t& pos);
  std::optional<Event> finish_frame(std::size_t pos);
  Event finish_close(std::string_view payload, std::size_t pos);
  Event need_more(std::size_t pos) const;
  bool fails(const FrameViolation* violation);
  Event error() const;
  void drop_delivered();
  Opcode frame_opcode() const { return static_cast<Opcode>(header_[0] & kOpcodeBits); }
  bool message_open() const { return message_opcode_ != Opcode::continuation; }
  bool checks_utf8() const { return message_opcode_ == Opcode::text && !compressed_; }

  // The message read so far (its first message_size_ bytes), then the control frame being read or just delivered.
  std::vector<char> buffer_;
  std::size_t message_size_ = 0;
  std::uint64_t max_message_size_;
  std::uint64_t frame_remaining_ = 0;  // payload bytes of the current frame still to read
  Utf8Validator utf8_;                 // the open text message's
  std::uint8_t header_[14] = {};       // the current frame's header: 2 bytes, a 0, 2 or 8-byte length, the mask key
  std::uint8_t header_read_ = 0;       // bytes of it read
  std::uint8_t mask_offset_ = 0;       // the mask key's byte for the next payload byte
  Opcode message_opcode_ = Opcode::continuation;  // text or binary while a message is open
  bool compressed_ = false;                       // the open message's RSV1
  bool deflate_;
  Phase phase_ = Phase::header;
  const FrameViolation* failure_ = nullptr;  // the error, once there is one
};

}  // namespace updraft::websocket
