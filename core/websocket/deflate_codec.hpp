// permessage-deflate's codec (RFC 7692 7.2), network-free: a connection's MessageDeflater compresses the messages it
// sends, its MessageInflater decompresses those it receives, whole messages at a time, with zlib.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/websocket/close_codes.hpp"
#include "core/websocket/permessage_deflate.hpp"

namespace updraft::websocket {

// The zlib streams (in deflate_codec.cpp).
struct DeflateStream;
struct InflateStream;

// Memory: nothing until the first message. Then, with context takeover (the agreed server_no_context_takeover is
// false), the connection's own zlib stream, kept between messages because the next message refers back to this one:
// 2^(window bits + 2) + 2^(memory level + 9) bytes and ~6 KiB (262 KiB with window 15, memory level 8). Without, the
// connection holds nothing: its message is compressed by a stream its thread shares with every such connection of the
// same settings, reset before each message (deflateReset clears a 64 KiB hash table, ~4 us; a stream made and freed
// per message measured ~76 us, glibc giving the 256 KiB back to the system each time).
class MessageDeflater {
 public:
  MessageDeflater(const DeflateParameters& agreed, const DeflateOptions& options);
  MessageDeflater(MessageDeflater&&) noexcept;
  MessageDeflater& operator=(MessageDeflater&&) noexcept;
  ~MessageDeflater();

  // Appends the message compressed, ready to be a frame's payload with RSV1 (the trailing 00 00 ff ff of the flush
  // taken off, RFC 7692 7.2.1). An empty message is one byte, 00. Throws std::bad_alloc if zlib runs out of memory.
  void compress(std::string_view message, std::string& out);

  // The heap memory the deflater holds between messages: its stream's, with context takeover.
  std::size_t heap_bytes() const;

 private:
  DeflateStream& stream();

  std::unique_ptr<DeflateStream> own_;  // with context takeover, from the first message on
  int level_;
  int memory_level_;
  int window_bits_;
  bool takes_over_context_;
};

// Memory: as MessageDeflater's, smaller: with context takeover (the agreed client_no_context_takeover is false), the
// connection's stream holds 2^(window bits) bytes of window and ~7 KiB of state (39 KiB with window 15) from its first
// compressed message on; without, the thread's shared stream does the work (made and freed per message measured
// about as fast, but a shared one does not churn the allocator).
class MessageInflater {
 public:
  enum class Result : std::uint8_t {
    ok,
    too_big,  // the message inflates to more than the limit: close with 1009
    invalid,  // not deflate data, or it does not end where a message must: close with 1007
  };

  explicit MessageInflater(const DeflateParameters& agreed);
  MessageInflater(MessageInflater&&) noexcept;
  MessageInflater& operator=(MessageInflater&&) noexcept;
  ~MessageInflater();

  // Appends the message a compressed payload holds (RFC 7692 7.2.2: the payload with 00 00 ff ff appended, inflated),
  // at most max_size bytes of it: inflating stops as soon as the message passes max_size (too_big), so a small
  // payload cannot make it allocate more. With the tail appended, the payload must end where a block does (as a sync
  // flush leaves it), or it may hold one final block (BFINAL, RFC 7692 7.2.3.4: the window goes on to the next
  // block or message as if the stream had not ended); anything else, a second final block too, is invalid. An empty
  // payload is an empty message. After too_big or invalid, out is as it was and the connection is to close: the
  // inflater has dropped its context. A text message's UTF-8 is for the caller to check. Throws std::bad_alloc if
  // zlib runs out of memory.
  Result decompress(std::string_view payload, std::size_t max_size, std::string& out);

  // The heap memory the inflater holds between messages: its stream's, with context takeover.
  std::size_t heap_bytes() const;

 private:
  InflateStream& stream();

  std::unique_ptr<InflateStream> own_;  // with context takeover, from the first message on
  int window_bits_;
  bool takes_over_context_;
};

// The close code that answers an inflater's failure (RFC 6455 7.4.1). Invalid compressed data is data "not consistent
// with the type of the message" (1007), as Node's ws library answers it (Python's websockets answers 1002).
constexpr std::uint16_t close_code(MessageInflater::Result result) {
  return result == MessageInflater::Result::too_big ? kCloseMessageTooBig : kCloseInvalidPayload;
}

// The heap memory of the zlib streams this thread shares among its connections that do not take over context.
std::size_t shared_stream_heap_bytes();

}  // namespace updraft::websocket
