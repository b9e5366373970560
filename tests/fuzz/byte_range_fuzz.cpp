// Fuzz target: the Range header parser (native/byte_range.hpp) never crashes, and what it accepts, applied to any
// size, is whole, unsatisfiable, or a partial range strictly inside the content with a Content-Range that says so.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "native/byte_range.hpp"

using namespace updraft;

namespace {
void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "byte range invariant broken: %s\n", what);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view header(reinterpret_cast<const char*>(data), size);
  auto spec = parse_byte_range(header);
  if (!spec) return 0;
  require(header.find(',') == std::string_view::npos, "a list of ranges is never taken");
  for (std::uint64_t content : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1000}, std::uint64_t{1} << 40,
                                ~std::uint64_t{0}}) {
    RangeAnswer a = apply_byte_range(*spec, content);
    if (a.kind != RangeAnswer::Kind::partial) continue;
    require(a.length > 0 && a.length < content, "a partial answer is non-empty and less than the whole");
    require(a.offset < content && a.length <= content - a.offset, "a partial answer lies inside the content");
    std::string range = content_range(a, content);
    require(range.rfind("bytes " + std::to_string(a.offset) + "-", 0) == 0, "Content-Range starts at the offset");
  }
  return 0;
}
