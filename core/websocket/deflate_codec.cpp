// permessage-deflate with zlib: raw deflate streams that count the heap they hold, a connection's own or its thread's
// shared ones, a message compressed with a sync flush and inflated with the flush's tail put back, up to a limit.
#include "core/websocket/deflate_codec.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <vector>

namespace updraft::websocket {

namespace {

// zlib's 256-byte window does not work: deflateInit2 refuses it for raw deflate. A 9-bit window never reaches back
// more than 250 bytes (zlib keeps 262 bytes of lookahead), so what it compresses fits an 8-bit window.
constexpr int kMinDeflateWindowBits = 9;
// The empty stored block a sync flush ends with (RFC 7692 7.2.1 takes it off, 7.2.2 puts it back).
constexpr std::string_view kFlushTail("\x00\x00\xff\xff", 4);
// zlib counts bytes in 32-bit uInts: larger inputs and outputs go through in pieces.
constexpr std::size_t kMaxPiece = 1u << 30;
constexpr std::size_t kMinRoom = 1024;
// What a sync flush may add to zlib's bound for a compressed stream: the end of a block and an empty stored block.
constexpr std::size_t kFlushMargin = 8;

// zlib's allocator: each block is preceded by its size, so that a stream's opaque counter knows what it holds.
constexpr std::size_t kBlockHeader = alignof(std::max_align_t);

voidpf allocate(voidpf opaque, uInt items, uInt size) {
  const std::size_t bytes = static_cast<std::size_t>(items) * size;
  auto* block = static_cast<char*>(std::malloc(kBlockHeader + bytes));
  if (block == nullptr) return Z_NULL;
  std::memcpy(block, &bytes, sizeof bytes);
  *static_cast<std::size_t*>(opaque) += bytes;
  return block + kBlockHeader;
}

void release(voidpf opaque, voidpf address) {
  char* block = static_cast<char*>(address) - kBlockHeader;
  std::size_t bytes;
  std::memcpy(&bytes, block, sizeof bytes);
  *static_cast<std::size_t*>(opaque) -= bytes;
  std::free(block);
}

Bytef* bytes_of(const char* data) { return reinterpret_cast<Bytef*>(const_cast<char*>(data)); }

void check_init(int status) {
  if (status == Z_MEM_ERROR) throw std::bad_alloc();
  if (status != Z_OK) throw std::invalid_argument("zlib refused the permessage-deflate settings");
}

// A zlib stream and the heap it holds; it stays where it was made (zlib's state points back at it).
struct ZlibStream {
  z_stream z{};
  std::size_t held = 0;

  ZlibStream() {
    z.zalloc = allocate;
    z.zfree = release;
    z.opaque = &held;
  }
  ZlibStream(const ZlibStream&) = delete;
  ZlibStream& operator=(const ZlibStream&) = delete;
};

// The heap a stream allocated with make_unique holds: itself and what zlib allocated for it.
template <typename Stream>
std::size_t heap_bytes_of(const std::unique_ptr<Stream>& stream) {
  return stream ? sizeof(Stream) + stream->held : 0;
}

}  // namespace

struct DeflateStream : ZlibStream {
  const int level;
  const int memory_level;
  const int window_bits;

  DeflateStream(int level, int memory_level, int window_bits)
      : level(level), memory_level(memory_level), window_bits(window_bits) {
    check_init(deflateInit2(&z, level, Z_DEFLATED, -std::max(window_bits, kMinDeflateWindowBits), memory_level,
                            Z_DEFAULT_STRATEGY));
  }
  ~DeflateStream() { deflateEnd(&z); }
};

struct InflateStream : ZlibStream {
  explicit InflateStream(int window_bits) { check_init(inflateInit2(&z, -window_bits)); }
  ~InflateStream() { inflateEnd(&z); }
};

namespace {

// The streams of this thread's connections that do not take over context, made at their first use. A message is
// compressed or inflated whole within one call, so connections on one thread can take turns on one stream: each
// message resets it first. One deflate stream per setting (a server has one or two), one inflate stream for all
// (inflateReset2 changes its window).
struct SharedStreams {
  std::vector<std::unique_ptr<DeflateStream>> deflate;
  std::unique_ptr<InflateStream> inflate;
};
thread_local SharedStreams shared_streams;

DeflateStream& shared_deflate_stream(int level, int memory_level, int window_bits) {
  for (const auto& stream : shared_streams.deflate)
    if (stream->level == level && stream->memory_level == memory_level && stream->window_bits == window_bits)
      return *stream;
  return *shared_streams.deflate.emplace_back(std::make_unique<DeflateStream>(level, memory_level, window_bits));
}

InflateStream& shared_inflate_stream(int window_bits) {
  if (!shared_streams.inflate) shared_streams.inflate = std::make_unique<InflateStream>(window_bits);
  return *shared_streams.inflate;
}

// After a final block (BFINAL), zlib's stream is over; the message or the next one may go on with more blocks that
// refer back to what came before: a fresh stream with the old one's window as its dictionary.
void restart_after_final_block(z_stream& z, int window_bits) {
  std::vector<Bytef> window(std::size_t{1} << window_bits);
  uInt window_size = 0;
  inflateGetDictionary(&z, window.data(), &window_size);
  inflateReset(&z);
  inflateSetDictionary(&z, window.data(), window_size);
}

// Inflates a message's payload, then the flush's tail, into out from `start` on, stopping once more than max_size
// bytes have come out.
class MessageInflation {
 public:
  MessageInflation(z_stream& z, int window_bits, std::size_t max_size, std::string& out)
      : z_(z), window_bits_(window_bits), max_size_(max_size), out_(out), start_(out.size()) {}

  MessageInflater::Result run(std::string_view payload) {
    using Result = MessageInflater::Result;
    Piece end = inflate_piece(payload, false);
    // A payload whose last block is final needs no tail: there is no stored block for it to complete.
    if (end == Piece::at_boundary) end = inflate_piece(kFlushTail, true);
    if (end == Piece::too_big) return Result::too_big;
    if (end == Piece::invalid || (end == Piece::at_boundary && !(z_.data_type & kAtBlockBoundary)))
      return Result::invalid;
    out_.resize(start_ + produced_);
    return Result::ok;
  }

 private:
  // What inflating a piece ended with: all of it taken (at_boundary: the block boundary is checked at the end), a
  // final block's end just as the payload ends or anywhere in the tail, or a failure.
  enum class Piece : std::uint8_t { at_boundary, after_final_block, too_big, invalid };
  // zlib's data_type bit: inflate stopped at the start of a block.
  static constexpr int kAtBlockBoundary = 128;

  Piece inflate_piece(std::string_view input, bool is_tail) {
    std::size_t consumed = 0;
    bool output_full = false;
    while (consumed < input.size() || output_full) {
      const auto in_now = static_cast<uInt>(std::min(input.size() - consumed, kMaxPiece));
      z_.next_in = bytes_of(input.data() + consumed);
      z_.avail_in = in_now;
      make_room();
      const auto out_now = static_cast<uInt>(std::min(out_.size() - start_ - produced_, kMaxPiece));
      z_.next_out = bytes_of(out_.data() + start_ + produced_);
      z_.avail_out = out_now;
      const int status = inflate(&z_, Z_SYNC_FLUSH);
      consumed += in_now - z_.avail_in;
      produced_ += out_now - z_.avail_out;
      output_full = z_.avail_out == 0;
      if (produced_ > max_size_) return Piece::too_big;
      if (status == Z_STREAM_END) {
        // Each restart copies the window twice: one per message keeps a payload of tiny final blocks from costing
        // 64 KiB of copying per 2 bytes.
        if (final_block_seen_) return Piece::invalid;
        final_block_seen_ = true;
        restart_after_final_block(z_, window_bits_);
        if (is_tail || consumed == input.size()) return Piece::after_final_block;
      } else if (status == Z_MEM_ERROR) {
        throw std::bad_alloc();
      } else if (status == Z_BUF_ERROR) {
        if (consumed < input.size()) return Piece::invalid;  // no progress possible: cannot happen with input left
        break;                                               // nothing was pending after a full output
      } else if (status != Z_OK) {
        return Piece::invalid;
      }
    }
    return Piece::at_boundary;
  }

  // Room in out for more output when the last call filled it: twice as much as came out so far (at least
  // kMinRoom), never past max_size + 1 bytes, the one that tells the message is too big.
  void make_room() {
    const std::size_t room = out_.size() - start_ - produced_;
    if (room != 0) return;
    const std::size_t limit = max_size_ == SIZE_MAX ? max_size_ : max_size_ + 1;
    out_.resize(start_ + produced_ + std::min(std::max(produced_, kMinRoom), limit - produced_));
  }

  z_stream& z_;
  const int window_bits_;
  const std::size_t max_size_;
  std::string& out_;
  const std::size_t start_;
  std::size_t produced_ = 0;
  bool final_block_seen_ = false;
};

}  // namespace

MessageDeflater::MessageDeflater(const DeflateParameters& agreed, const DeflateOptions& options)
    : level_(options.compression_level),
      memory_level_(options.memory_level),
      window_bits_(agreed.server_max_window_bits),
      takes_over_context_(!agreed.server_no_context_takeover) {}

MessageDeflater::MessageDeflater(MessageDeflater&&) noexcept = default;
MessageDeflater& MessageDeflater::operator=(MessageDeflater&&) noexcept = default;
MessageDeflater::~MessageDeflater() = default;

DeflateStream& MessageDeflater::stream() {
  if (!takes_over_context_) {
    DeflateStream& shared = shared_deflate_stream(level_, memory_level_, window_bits_);
    deflateReset(&shared.z);
    return shared;
  }
  if (!own_) own_ = std::make_unique<DeflateStream>(level_, memory_level_, window_bits_);
  return *own_;
}

void MessageDeflater::compress(std::string_view message, std::string& out) {
  if (message.empty()) {
    out += '\0';  // an empty stored block's header, which the peer's appended tail completes
    return;
  }
  z_stream& z = stream().z;
  const std::size_t start = out.size();
  out.resize(start + deflateBound(&z, message.size()) + kFlushMargin);  // room for all of it at once, usually
  std::size_t consumed = 0;
  std::size_t produced = 0;
  for (;;) {
    const auto in_now = static_cast<uInt>(std::min(message.size() - consumed, kMaxPiece));
    const bool last = consumed + in_now == message.size();
    z.next_in = bytes_of(message.data() + consumed);
    z.avail_in = in_now;
    if (start + produced == out.size()) out.resize(out.size() + std::max(produced, kMinRoom));
    const auto out_now = static_cast<uInt>(std::min(out.size() - start - produced, kMaxPiece));
    z.next_out = bytes_of(out.data() + start + produced);
    z.avail_out = out_now;
    if (deflate(&z, last ? Z_SYNC_FLUSH : Z_NO_FLUSH) == Z_STREAM_ERROR)
      throw std::logic_error("zlib: inconsistent deflate stream");
    consumed += in_now - z.avail_in;
    produced += out_now - z.avail_out;
    if (last && z.avail_in == 0 && z.avail_out != 0) break;  // all of it flushed
  }
  out.resize(start + produced);
  if (std::string_view(out).substr(start).ends_with(kFlushTail)) out.resize(out.size() - kFlushTail.size());
}

std::size_t MessageDeflater::heap_bytes() const { return heap_bytes_of(own_); }

MessageInflater::MessageInflater(const DeflateParameters& agreed)
    : window_bits_(agreed.client_max_window_bits), takes_over_context_(!agreed.client_no_context_takeover) {}

MessageInflater::MessageInflater(MessageInflater&&) noexcept = default;
MessageInflater& MessageInflater::operator=(MessageInflater&&) noexcept = default;
MessageInflater::~MessageInflater() = default;

InflateStream& MessageInflater::stream() {
  if (!takes_over_context_) {
    InflateStream& shared = shared_inflate_stream(window_bits_);
    inflateReset2(&shared.z, -window_bits_);
    return shared;
  }
  if (!own_) own_ = std::make_unique<InflateStream>(window_bits_);
  return *own_;
}

MessageInflater::Result MessageInflater::decompress(std::string_view payload, std::size_t max_size, std::string& out) {
  if (payload.empty()) return Result::ok;  // the tail alone is no whole block, but the message is clear: empty
  const std::size_t start = out.size();
  const Result result = MessageInflation(stream().z, window_bits_, max_size, out).run(payload);
  if (result != Result::ok) {
    out.resize(start);
    own_.reset();
  }
  return result;
}

std::size_t MessageInflater::heap_bytes() const { return heap_bytes_of(own_); }

std::size_t shared_stream_heap_bytes() {
  std::size_t bytes = heap_bytes_of(shared_streams.inflate);
  for (const auto& stream : shared_streams.deflate) bytes += heap_bytes_of(stream);
  return bytes;
}

}  // namespace updraft::websocket
