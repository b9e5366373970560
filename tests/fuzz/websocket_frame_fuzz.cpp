// Fuzz target: the WebSocket frame parser reads the same events and the same error whether a client's bytes arrive
// whole, cut in two or byte by byte; the first byte picks the options (bit 0: a small max_message_size, bit 1:
// permessage-deflate negotiated) and the cut.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/websocket/frame_replay.hpp"

using updraft::websocket::FrameOptions;
using updraft::websocket::testing::FrameReplay;

namespace {
// A transcript line starting "fault: " is a broken promise of the parser's (see FrameReplay).
void require_sound(const std::string& transcript, const std::string& other, const char* how) {
  const bool faulty = other.rfind("fault: ", 0) == 0 || other.find("\nfault: ") != std::string::npos;
  if (transcript == other && !faulty) return;
  std::fprintf(stderr, "transcripts differ or fault\n--- whole:\n%s--- %s:\n%s", transcript.c_str(), how,
               other.c_str());
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 4096) return 0;  // byte-by-byte replays of longer inputs would slow the search down
  const FrameOptions options{.max_message_size = data[0] & 1 ? 64u : FrameOptions{}.max_message_size,
                             .deflate = (data[0] & 2) != 0};
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string whole = FrameReplay::whole(options, input);
  require_sound(whole, whole, "whole");
  require_sound(whole, FrameReplay::cut_at(options, input, input.size() * (data[0] >> 2) / 63), "cut in two");
  require_sound(whole, FrameReplay::in_pieces(options, input, 1), "byte by byte");
  return 0;
}
