// Fuzz target: the multipart/form-data parser reports the same parts (or error) whether a body arrives whole, cut in
// two or byte by byte (the first byte picks the cut), and never more parts than its limit.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "support/multipart_replay.hpp"

using updraft::testing::MultipartReplay;
using updraft::testing::require_same;

namespace {
struct PartCounter : updraft::MultipartSink {
  std::size_t parts = 0;
  void part_begin(const updraft::PartHeaders&) override { ++parts; }
  void part_data(std::string_view) override {}
  void part_end() override {}
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 4096) return 0;
  const std::string boundary = "xYz";
  const auto limits = updraft::testing::small_multipart_limits();
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string whole = MultipartReplay::whole(boundary, limits, body);
  PartCounter counter;
  try {
    updraft::MultipartParser(boundary, counter, limits).feed(body);
  } catch (const updraft::MultipartError&) {
  }
  if (counter.parts > limits.max_parts) {
    std::fprintf(stderr, "more parts than the limit:\n%s", whole.c_str());
    std::abort();
  }
  require_same(whole, MultipartReplay::cut_at(boundary, limits, body, body.size() * data[0] / 255), "cut in two");
  require_same(whole, MultipartReplay::in_pieces(boundary, limits, body, 1), "byte by byte");
  return 0;
}
