// Fuzz target: the HTTP client's gzip decoding of a response body. The first byte sets the size limit (times 64); the
// rest is the body. Decoding either fails with std::runtime_error, reports the limit, or returns at most the limit.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "core/httpclient/gunzip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::uint64_t limit = std::uint64_t{data[0]} * 64;
  try {
    auto decoded = updraft::httpclient::gunzip({reinterpret_cast<const char*>(data + 1), size - 1}, limit);
    if (decoded && decoded->size() > limit) {
      std::fprintf(stderr, "broken: %zu decoded bytes over a limit of %llu\n", decoded->size(),
                   static_cast<unsigned long long>(limit));
      std::abort();
    }
  } catch (const std::runtime_error&) {
  }
  return 0;
}
