// Decoding a gzip response body (Content-Encoding: gzip) with zlib: whole within a size limit, or piece by piece.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace updraft::httpclient {

// Decodes a gzip stream fed in pieces, pulled out a bounded piece at a time (so a small input that inflates a lot
// never makes a big buffer). std::runtime_error for bytes that are not gzip.
//
//   decoder.input(compressed);                                    // the bytes must stay valid until drained
//   for (auto piece = decoder.output(); !piece.empty(); piece = decoder.output()) use(piece);
class GunzipStream {
 public:
  GunzipStream();
  ~GunzipStream();
  GunzipStream(const GunzipStream&) = delete;
  GunzipStream& operator=(const GunzipStream&) = delete;

  void input(std::string_view compressed);
  // The next decoded bytes (valid until the next call), or empty when the input given so far is used up.
  std::string_view output();
  // The gzip stream's end was decoded (else the body was truncated).
  bool ended() const { return ended_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  bool ended_ = false;
};

// The decoded bytes; nullopt if they would exceed max_size. std::runtime_error for bytes that are not gzip.
std::optional<std::string> gunzip(std::string_view compressed, std::uint64_t max_size);

}  // namespace updraft::httpclient
