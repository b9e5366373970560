// Content encoders: gzip as a zlib deflate stream with the gzip wrapper, br as a brotli encoder instance, each driven
// until the flush asked for is complete.
#include "native/content_encoding.hpp"

#include <brotli/encode.h>
#include <zlib.h>

#include <cstdint>
#include <new>
#include <stdexcept>

namespace updraft {

namespace {

// zlib's windowBits for a gzip wrapper around a 32 KiB window, and its default memory level.
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kMemoryLevel = 8;
// Room added to out each time a library has more to give.
constexpr std::size_t kMinRoom = 4096;
// brotli's window: 512 KiB (nginx's brotli module's default) rather than its 4 MiB, for what a stream holds.
constexpr std::uint32_t kBrotliWindowBits = 19;

struct DeflateStream {
  z_stream z{};
  int level;

  explicit DeflateStream(int level) : level(level) {
    int status = deflateInit2(&z, level, Z_DEFLATED, kGzipWindowBits, kMemoryLevel, Z_DEFAULT_STRATEGY);
    if (status == Z_MEM_ERROR) throw std::bad_alloc();
    if (status != Z_OK) throw std::invalid_argument("zlib refused gzip level " + std::to_string(level));
  }
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;
  ~DeflateStream() { deflateEnd(&z); }
};

// The thread's spare deflate stream, reset, for the next gzip response.
thread_local std::unique_ptr<DeflateStream> spare_deflate;

class GzipEncoder final : public ContentEncoder {
 public:
  explicit GzipEncoder(int level) {
    if (spare_deflate && spare_deflate->level == level) stream_ = std::move(spare_deflate);
    else stream_ = std::make_unique<DeflateStream>(level);
  }
  ~GzipEncoder() override {
    if (spare_deflate || deflateReset(&stream_->z) != Z_OK) return;
    spare_deflate = std::move(stream_);
  }

  void encode(std::string_view chunk, Flush flush, std::string& out) override {
    if (finished_) throw std::logic_error("gzip encoder used after finishing");
    z_stream& z = stream_->z;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(chunk.data()));
    z.avail_in = static_cast<uInt>(chunk.size());  // a response's chunk: far below 4 GiB
    int mode = flush == Flush::finish ? Z_FINISH : flush == Flush::sync ? Z_SYNC_FLUSH : Z_NO_FLUSH;
    std::size_t used = out.size();
    out.resize(used + deflateBound(&z, z.avail_in) + 16);  // what a flush adds comes on top of the bound
    for (;;) {
      z.next_out = reinterpret_cast<Bytef*>(out.data() + used);
      z.avail_out = static_cast<uInt>(out.size() - used);
      int status = deflate(&z, mode);
      used = out.size() - z.avail_out;
      if (status == Z_STREAM_END) break;
      if (status != Z_OK && status != Z_BUF_ERROR) throw std::runtime_error("zlib deflate failed");
      if (z.avail_in == 0 && z.avail_out != 0 && mode != Z_FINISH) break;  // consumed, and flushed if asked
      out.resize(out.size() + kMinRoom);
    }
    out.resize(used);
    finished_ = flush == Flush::finish;
  }

 private:
  std::unique_ptr<DeflateStream> stream_;
  bool finished_ = false;
};

class BrotliEncoder final : public ContentEncoder {
 public:
  explicit BrotliEncoder(int quality) : state_(BrotliEncoderCreateInstance(nullptr, nullptr, nullptr)) {
    if (!state_) throw std::bad_alloc();
    if (quality < BROTLI_MIN_QUALITY || quality > BROTLI_MAX_QUALITY ||
        !BrotliEncoderSetParameter(state_, BROTLI_PARAM_QUALITY, static_cast<std::uint32_t>(quality)) ||
        !BrotliEncoderSetParameter(state_, BROTLI_PARAM_LGWIN, kBrotliWindowBits)) {
      BrotliEncoderDestroyInstance(state_);
      throw std::invalid_argument("brotli refused quality " + std::to_string(quality));
    }
  }
  ~BrotliEncoder() override { BrotliEncoderDestroyInstance(state_); }
  BrotliEncoder(const BrotliEncoder&) = delete;
  BrotliEncoder& operator=(const BrotliEncoder&) = delete;

  void encode(std::string_view chunk, Flush flush, std::string& out) override {
    if (BrotliEncoderIsFinished(state_)) throw std::logic_error("brotli encoder used after finishing");
    auto operation = flush == Flush::finish ? BROTLI_OPERATION_FINISH
                     : flush == Flush::sync ? BROTLI_OPERATION_FLUSH
                                            : BROTLI_OPERATION_PROCESS;
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(chunk.data());
    std::size_t avail_in = chunk.size();
    for (;;) {
      std::size_t avail_out = 0;  // the output is taken from the encoder's own buffer below, without a copy between
      if (!BrotliEncoderCompressStream(state_, operation, &avail_in, &next_in, &avail_out, nullptr, nullptr))
        throw std::runtime_error("brotli encoding failed");
      std::size_t size = 0;
      const std::uint8_t* data = BrotliEncoderTakeOutput(state_, &size);
      out.append(reinterpret_cast<const char*>(data), size);
      if (avail_in != 0 || BrotliEncoderHasMoreOutput(state_)) continue;
      if (operation != BROTLI_OPERATION_FINISH || BrotliEncoderIsFinished(state_)) break;
    }
  }

 private:
  BrotliEncoderState* state_;
};

}  // namespace

std::unique_ptr<ContentEncoder> make_content_encoder(ContentCoding coding, int level) {
  switch (coding) {
    case ContentCoding::gzip:
      return std::make_unique<GzipEncoder>(level);
    case ContentCoding::br:
      return std::make_unique<BrotliEncoder>(level);
    case ContentCoding::identity:
      break;
  }
  throw std::invalid_argument("no encoder for the identity coding");
}

std::string encode_content(ContentCoding coding, int level, std::string_view body) {
  std::string out;
  make_content_encoder(coding, level)->encode(body, ContentEncoder::Flush::finish, out);
  return out;
}

}  // namespace updraft
