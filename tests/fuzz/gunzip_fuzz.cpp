// Fuzz target: the HTTP client's gzip decoding of a response body. The first byte sets the size limit (times 64); the
// rest is the body. Decoding either fails with std::runtime_error, reports the limit, or returns at most the limit;
// decoding the body fed in two pieces (split at the limit byte) to GunzipStream gives the same bytes.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/httpclient/gunzip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::uint64_t limit = std::uint64_t{data[0]} * 64;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  std::optional<std::string> decoded;
  try {
    decoded = updraft::httpclient::gunzip(body, limit);
  } catch (const std::runtime_error&) {
    return 0;
  }
  if (decoded && decoded->size() > limit) {
    std::fprintf(stderr, "broken: %zu decoded bytes over a limit of %llu\n", decoded->size(),
                 static_cast<unsigned long long>(limit));
    std::abort();
  }
  if (!decoded) return 0;
  updraft::httpclient::GunzipStream stream;
  std::string pieces;
  std::size_t split = std::min<std::size_t>(data[0], body.size());
  for (auto part : {body.substr(0, split), body.substr(split)}) {
    stream.input(part);
    for (auto piece = stream.output(); !piece.empty(); piece = stream.output()) pieces.append(piece);
  }
  if (pieces != *decoded || !stream.ended()) {
    std::fprintf(stderr, "broken: decoding in two pieces differs from decoding whole\n");
    std::abort();
  }
  return 0;
}
