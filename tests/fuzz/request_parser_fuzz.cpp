// Fuzz target: the request parser gives the same messages (heads, bodies) and the same error status whether a
// connection's bytes arrive whole, cut in two or byte by byte; the first byte picks the limits (odd: small) and the cut.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "support/parser_replay.hpp"

using updraft::Limits;
using updraft::testing::ParserReplay;
using updraft::testing::small_limits;
using updraft::testing::require_same;

namespace {
// A transcript without its error's reason: however the bytes are cut, the messages and the status must be the same.
std::string without_reason(const std::string& whole) {
  std::string transcript = whole;
  std::size_t last = transcript.rfind('\n', transcript.size() - 2);
  last = last == std::string::npos ? 0 : last + 1;
  if (transcript.compare(last, 6, "error ") == 0) transcript.resize(last + 9);
  return transcript;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 4096) return 0;  // byte-by-byte replays of longer inputs would slow the search down
  static const Limits defaults, small = small_limits();
  const Limits& limits = data[0] % 2 ? small : defaults;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string whole = ParserReplay::whole(limits, input);
  require_same(whole, ParserReplay::cut_at(limits, input, input.size() * (data[0] / 2) / 127), "cut in two",
               without_reason);
  require_same(whole, ParserReplay::in_pieces(limits, input, 1), "byte by byte", without_reason);
  return 0;
}
