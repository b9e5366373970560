// Fuzz target: the HTTP client's response parser gives the same response (or the same error) whether a connection's
// bytes arrive whole, cut in two or byte by byte, and with the body kept whole or taken in pieces; the first byte picks
// the reading (HEAD or not, a small or a large body limit) and the cut.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "support/response_replay.hpp"

using updraft::testing::ResponseReading;
using updraft::testing::ResponseReplay;
using updraft::testing::require_same;

namespace {
// A transcript without its error's words (llhttp may name the same fault differently at another cut).
std::string without_reason(const std::string& transcript) {
  if (transcript.rfind("error ", 0) != 0) return transcript;
  return transcript.rfind("error (too large)", 0) == 0 ? "error (too large)" : "error";
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 4096) return 0;  // byte-by-byte replays of longer inputs would slow the search down
  ResponseReading reading;
  reading.head_request = data[0] & 1;
  reading.max_body = data[0] & 2 ? 16 : 1 << 20;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string whole = ResponseReplay::whole(reading, input);
  require_same(whole, ResponseReplay::cut_at(reading, input, input.size() * (data[0] >> 2) / 63), "cut in two",
               without_reason);
  require_same(whole, ResponseReplay::in_pieces(reading, input, 1), "byte by byte", without_reason);
  reading.pieces = true;
  require_same(whole, ResponseReplay::whole(reading, input), "the body in pieces", without_reason);
  return 0;
}
