// Client frame parsing: the header read in two steps and checked, the payload unmasked 8 bytes at a time into the
// message, text checked as it arrives.
#include "core/websocket/frame_parser.hpp"

#include <algorithm>
#include <cstring>

#include "core/websocket/close_codes.hpp"

namespace updraft::websocket {

struct FrameViolation {
  std::uint16_t code;
  std::string_view reason;
};

namespace {

constexpr FrameViolation kReservedBits{kCloseProtocolError, "reserved bits set"};
constexpr FrameViolation kReservedOpcode{kCloseProtocolError, "reserved opcode"};
constexpr FrameViolation kUnmasked{kCloseProtocolError, "unmasked frame"};
constexpr FrameViolation kFragmentedControl{kCloseProtocolError, "fragmented control frame"};
constexpr FrameViolation kContinuationWithoutMessage{kCloseProtocolError, "continuation without a message"};
constexpr FrameViolation kMessageInsideMessage{kCloseProtocolError, "new message inside a fragmented one"};
constexpr FrameViolation kLengthHighBit{kCloseProtocolError, "64-bit length with the high bit set"};
constexpr FrameViolation kControlTooLong{kCloseProtocolError, "control frame over 125 bytes"};
constexpr FrameViolation kClosePayloadOneByte{kCloseProtocolError, "close payload of 1 byte"};
constexpr FrameViolation kInvalidCloseCode{kCloseProtocolError, "invalid close code"};
constexpr FrameViolation kTextNotUtf8{kCloseInvalidPayload, "text message not UTF-8"};
constexpr FrameViolation kReasonNotUtf8{kCloseInvalidPayload, "close reason not UTF-8"};
constexpr FrameViolation kMessageTooBig{kCloseMessageTooBig, "message too big"};

constexpr std::size_t kMaskKeySize = 4;

// Message buffers between messages: the one a delivered message leaves goes on its thread's shelf and the next
// message read on that thread takes it, so a steady run of messages neither allocates nor has new pages faulted in
// and zeroed (glibc gives the top of its heap back to the kernel when a large block there is freed: at 16 KiB that
// was most of the cost of a message), while a parser between messages still holds no buffer.
class BufferShelf {
 public:
  std::vector<char> take() {
    if (buffers_.empty()) return {};
    std::vector<char> buffer = std::move(buffers_.back());
    buffers_.pop_back();
    return buffer;
  }
  // Leaves buffer empty, holding nothing.
  void put(std::vector<char>& buffer) {
    if (buffers_.size() < kBuffers && buffer.capacity() <= kLargest) {
      buffer.clear();
      buffers_.push_back(std::move(buffer));
    }
    std::vector<char>().swap(buffer);
  }

 private:
  static constexpr std::size_t kBuffers = 4;
  static constexpr std::size_t kLargest = 256 * 1024;
  std::vector<std::vector<char>> buffers_;
};

thread_local BufferShelf shelf;

bool is_known(Opcode opcode) {
  switch (opcode) {
    case Opcode::continuation:
    case Opcode::text:
    case Opcode::binary:
    case Opcode::close:
    case Opcode::ping:
    case Opcode::pong: return true;
  }
  return false;
}

// XORs size bytes with the masking key, starting at its byte `offset`: 8 bytes at a time, then the rest one by one.
void unmask(char* bytes, std::size_t size, const std::uint8_t* key, std::size_t offset) {
  std::uint8_t pattern[8];
  for (std::size_t i = 0; i < sizeof pattern; ++i) pattern[i] = key[(offset + i) % kMaskKeySize];
  std::uint64_t word_key;
  std::memcpy(&word_key, pattern, sizeof word_key);
  std::size_t i = 0;
  for (; size - i >= sizeof word_key; i += sizeof word_key) {
    std::uint64_t word;
    std::memcpy(&word, bytes + i, sizeof word);
    word ^= word_key;
    std::memcpy(bytes + i, &word, sizeof word);
  }
  for (; i < size; ++i) bytes[i] = static_cast<char>(bytes[i] ^ pattern[i % sizeof pattern]);
}

// A close frame's payload: nothing, or a code and a reason (a payload of 1 byte is refused from the header).
std::uint16_t code_of(std::string_view close_payload) {
  if (close_payload.empty()) return kCloseNoStatus;
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(close_payload[0]) << 8 |
                                    static_cast<std::uint8_t>(close_payload[1]));
}

std::string_view reason_of(std::string_view close_payload) {
  return close_payload.empty() ? close_payload : close_payload.substr(2);
}

const FrameViolation* check_close_payload(std::string_view payload) {
  if (payload.empty()) return nullptr;
  if (!valid_close_code(code_of(payload))) return &kInvalidCloseCode;
  if (!is_valid_utf8(reason_of(payload))) return &kReasonNotUtf8;
  return nullptr;
}

}  // namespace

FrameParser::FrameParser(const FrameOptions& options)
    : max_message_size_(options.max_message_size), deflate_(options.deflate) {}

FrameParser::Event FrameParser::next(std::string_view input) {
  if (failure_ != nullptr) return error();
  if (phase_ == Phase::closed) {
    shelf.put(buffer_);
    return {.kind = Kind::need_more, .consumed = input.size()};
  }
  if (phase_ == Phase::header) drop_delivered();
  std::size_t pos = 0;
  for (;;) {
    if (phase_ == Phase::header) {
      if (!read_header(input, pos)) return failure_ != nullptr ? error() : need_more(pos);
    }
    read_payload(input, pos);
    if (failure_ != nullptr) return error();
    if (frame_remaining_ > 0) return need_more(pos);
    if (std::optional<Event> event = finish_frame(pos)) return *event;
  }
}

// Reads the header into header_: its first two bytes are checked as soon as they are there, the length once the
// whole header is. True when it is complete and valid, and the frame's payload is next.
bool FrameParser::read_header(std::string_view input, std::size_t& pos) {
  if (header_read_ < 2) {
    take_header_bytes(input, pos, 2);
    if (header_read_ < 2 || fails(check_first_bytes())) return false;
  }
  take_header_bytes(input, pos, header_size());
  if (header_read_ < header_size()) return false;
  const std::uint64_t length = payload_length();
  if (fails(check_length(length))) return false;
  start_frame(length);
  return true;
}

void FrameParser::take_header_bytes(std::string_view input, std::size_t& pos, std::size_t size) {
  const std::size_t n = std::min(size - header_read_, input.size() - pos);
  if (n == 0) return;
  std::memcpy(header_ + header_read_, input.data() + pos, n);
  header_read_ = static_cast<std::uint8_t>(header_read_ + n);
  pos += n;
}

// The whole header's size, from its second byte: 2, the extended length, the masking key.
std::size_t FrameParser::header_size() const {
  const std::uint8_t length7 = header_[1] & kLengthBits;
  const std::size_t extended = length7 == kLength16 ? 2 : length7 == kLength64 ? 8 : 0;
  return 2 + extended + kMaskKeySize;
}

std::uint64_t FrameParser::payload_length() const {
  const std::uint8_t length7 = header_[1] & kLengthBits;
  if (length7 < kLength16) return length7;
  const std::size_t bytes = length7 == kLength16 ? 2 : 8;
  std::uint64_t length = 0;
  for (std::size_t i = 0; i < bytes; ++i) length = length << 8 | header_[2 + i];
  return length;  // a longer form than needed is allowed (RFC 6455 5.2 asks for the shortest but refuses none)
}

const FrameViolation* FrameParser::check_first_bytes() const {
  const Opcode opcode = frame_opcode();
  if (header_[0] & (kRsv2Bit | kRsv3Bit)) return &kReservedBits;
  if (!is_known(opcode)) return &kReservedOpcode;
  // RFC 7692: RSV1 marks a compressed message on its first frame only, and only if permessage-deflate was agreed.
  if ((header_[0] & kRsv1Bit) && (!deflate_ || is_control(opcode) || opcode == Opcode::continuation))
    return &kReservedBits;
  if (!(header_[1] & kMaskBit)) return &kUnmasked;
  if (is_control(opcode) && !(header_[0] & kFinBit)) return &kFragmentedControl;
  if (opcode == Opcode::continuation && !message_open()) return &kContinuationWithoutMessage;
  if ((opcode == Opcode::text || opcode == Opcode::binary) && message_open()) return &kMessageInsideMessage;
  return nullptr;
}

const FrameViolation* FrameParser::check_length(std::uint64_t length) const {
  if (length >> 63) return &kLengthHighBit;
  if (is_control(frame_opcode())) {
    if (length > kMaxControlPayload) return &kControlTooLong;
    if (frame_opcode() == Opcode::close && length == 1) return &kClosePayloadOneByte;
    return nullptr;
  }
  if (length > max_message_size_ - message_size_) return &kMessageTooBig;
  return nullptr;
}

void FrameParser::start_frame(std::uint64_t length) {
  phase_ = Phase::payload;
  frame_remaining_ = length;
  mask_offset_ = 0;
  const Opcode opcode = frame_opcode();
  if (opcode == Opcode::text || opcode == Opcode::binary) {
    message_opcode_ = opcode;
    compressed_ = header_[0] & kRsv1Bit;
    utf8_ = Utf8Validator();
  }
}

// Appends the payload bytes of input that belong to the current frame to buffer_, unmasked; a text message's are
// checked as they come.
void FrameParser::read_payload(std::string_view input, std::size_t& pos) {
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(frame_remaining_, input.size() - pos));
  if (n == 0) return;
  const std::size_t at = buffer_.size();
  if (buffer_.capacity() == 0) buffer_ = shelf.take();
  buffer_.insert(buffer_.end(), input.data() + pos, input.data() + pos + n);
  unmask(buffer_.data() + at, n, header_ + header_read_ - kMaskKeySize, mask_offset_);
  mask_offset_ = static_cast<std::uint8_t>((mask_offset_ + n) % kMaskKeySize);
  pos += n;
  frame_remaining_ -= n;
  if (is_control(frame_opcode())) return;
  message_size_ += n;
  if (checks_utf8() && !utf8_.feed({buffer_.data() + at, n})) fails(&kTextNotUtf8);
}

// The current frame has been read (pos bytes of input so far): its event, or none for a fragment that is not a
// message's last.
std::optional<FrameParser::Event> FrameParser::finish_frame(std::size_t pos) {
  phase_ = Phase::header;
  header_read_ = 0;
  const std::string_view control(buffer_.data() + message_size_, buffer_.size() - message_size_);
  switch (frame_opcode()) {
    case Opcode::ping: return Event{.kind = Kind::ping, .consumed = pos, .payload = control};
    case Opcode::pong: return Event{.kind = Kind::pong, .consumed = pos, .payload = control};
    case Opcode::close: return finish_close(control, pos);
    default: break;
  }
  if (!(header_[0] & kFinBit)) return std::nullopt;
  if (checks_utf8() && !utf8_.complete()) {
    fails(&kTextNotUtf8);
    return error();
  }
  const Event message{.kind = message_opcode_ == Opcode::text ? Kind::text : Kind::binary,
                      .consumed = pos,
                      .payload = {buffer_.data(), message_size_},
                      .compressed = compressed_};
  message_opcode_ = Opcode::continuation;  // buffer_ goes at the next call
  message_size_ = 0;
  return message;
}

FrameParser::Event FrameParser::finish_close(std::string_view payload, std::size_t pos) {
  if (fails(check_close_payload(payload))) return error();
  phase_ = Phase::closed;
  return Event{.kind = Kind::close, .consumed = pos, .payload = reason_of(payload), .code = code_of(payload)};
}

FrameParser::Event FrameParser::need_more(std::size_t pos) const {
  std::size_t needed = frame_remaining_;
  if (phase_ == Phase::header) needed = (header_read_ < 2 ? 2 : header_size()) - header_read_;
  return {.kind = Kind::need_more, .consumed = pos, .needed = needed};
}

// Records a violation, if there is one, and lets go of the message.
bool FrameParser::fails(const FrameViolation* violation) {
  if (violation == nullptr) return false;
  failure_ = violation;
  shelf.put(buffer_);
  return true;
}

FrameParser::Event FrameParser::error() const {
  return {.kind = Kind::error, .payload = failure_->reason, .code = failure_->code};
}

// Between frames: a message or control frame delivered by the last call is no longer needed.
void FrameParser::drop_delivered() {
  if (message_open())
    buffer_.resize(message_size_);
  else
    shelf.put(buffer_);
}

}  // namespace updraft::websocket
