// Fuzz target: the key-value sample's RESP parser reads the same commands and the same error whether a connection's
// bytes arrive whole, cut in two or byte by byte; the first byte picks the limits (odd: small) and the cut.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "samples/kv/resp_replay.hpp"

using updraft::kv::RespLimits;
using updraft::kv::testing::RespReplay;

namespace {
// A transcript line starting "fault: " is a need_more that asked for bytes already there.
void require_sound(const std::string& transcript, const std::string& other, const char* how) {
  const bool faulty = other.rfind("fault: ", 0) == 0 || other.find("\nfault: ") != std::string::npos;
  if (transcript == other && !faulty) return;
  std::fprintf(stderr, "transcripts differ or fault\n--- whole:\n%s--- %s:\n%s", transcript.c_str(), how, other.c_str());
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 4096) return 0;  // byte-by-byte replays of longer inputs would slow the search down
  static const RespLimits defaults, small{.max_bulk = 16, .max_args = 4, .max_inline = 32};
  const RespLimits& limits = data[0] % 2 ? small : defaults;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string whole = RespReplay::whole(limits, input);
  require_sound(whole, whole, "whole");
  require_sound(whole, RespReplay::cut_at(limits, input, input.size() * (data[0] / 2) / 127), "cut in two");
  require_sound(whole, RespReplay::in_pieces(limits, input, 1), "byte by byte");
  return 0;
}
