// Decoding a gzip response body with zlib's inflate (windowBits 16 + 15: the gzip wrapper), within a size limit.
#include "core/httpclient/gunzip.hpp"

#include <zlib.h>

#include <stdexcept>

namespace updraft::httpclient {

std::optional<std::string> gunzip(std::string_view compressed, std::uint64_t max_size) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw std::runtime_error("inflateInit2 failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char chunk[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      throw std::runtime_error("the gzip response body is corrupt or truncated");
    }
    out.append(chunk, sizeof chunk - z.avail_out);
    if (out.size() > max_size) {
      inflateEnd(&z);
      return std::nullopt;
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      throw std::runtime_error("the gzip response body is truncated");
    }
  }
  inflateEnd(&z);
  return out;
}

}  // namespace updraft::httpclient
