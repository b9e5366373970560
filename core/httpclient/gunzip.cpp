// Decoding a gzip response body with zlib's inflate (windowBits 16 + 15: the gzip wrapper), in pieces or whole.
#include "core/httpclient/gunzip.hpp"

#include <zlib.h>

#include <array>
#include <stdexcept>

namespace updraft::httpclient {

struct GunzipStream::State {
  z_stream z{};
  std::array<char, 64 * 1024> out;
};

GunzipStream::GunzipStream() : state_(std::make_unique<State>()) {
  if (inflateInit2(&state_->z, 16 + MAX_WBITS) != Z_OK) throw std::runtime_error("inflateInit2 failed");
}

GunzipStream::~GunzipStream() { inflateEnd(&state_->z); }

void GunzipStream::input(std::string_view compressed) {
  state_->z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  state_->z.avail_in = static_cast<uInt>(compressed.size());
}

std::string_view GunzipStream::output() {
  z_stream& z = state_->z;
  if (ended_ || z.avail_in == 0) return {};
  z.next_out = reinterpret_cast<Bytef*>(state_->out.data());
  z.avail_out = static_cast<uInt>(state_->out.size());
  int rc = inflate(&z, Z_NO_FLUSH);
  if (rc == Z_STREAM_END) ended_ = true;
  else if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::runtime_error("the gzip response body is corrupt");
  return {state_->out.data(), state_->out.size() - z.avail_out};
}

std::optional<std::string> gunzip(std::string_view compressed, std::uint64_t max_size) {
  GunzipStream decoder;
  decoder.input(compressed);
  std::string out;
  for (auto piece = decoder.output(); !piece.empty(); piece = decoder.output()) {
    out.append(piece);
    if (out.size() > max_size) return std::nullopt;
  }
  if (!decoder.ended()) throw std::runtime_error("the gzip response body is truncated");
  return out;
}

}  // namespace updraft::httpclient
