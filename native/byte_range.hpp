// Range requests (RFC 9110 14.2), as Tornado answers them: one byte range parsed from the Range header, then applied
// to the size of what is served.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace updraft {

// "bytes=first-last" (both inclusive), "bytes=first-" or the suffix "bytes=-last" (the last `last` bytes).
// Numbers too large for 64 bits saturate, as if they were merely past the end.
struct ByteRangeSpec {
  std::optional<std::uint64_t> first;
  std::optional<std::uint64_t> last;
};

// Nothing for a header to ignore (another unit, several ranges, anything malformed): the whole content is served.
std::optional<ByteRangeSpec> parse_byte_range(std::string_view header);

struct RangeAnswer {
  enum class Kind { whole, partial, unsatisfiable } kind;
  std::uint64_t offset = 0;  // for partial
  std::uint64_t length = 0;  // for partial
};

// Tornado's rules: a range that starts at or past the end, ends before it starts, or asks for a zero-length suffix
// is unsatisfiable (416); one that covers the whole content is answered whole (200, as Chrome's media player needs);
// an end past the content is capped.
RangeAnswer apply_byte_range(const ByteRangeSpec& spec, std::uint64_t size);

// The Content-Range value of a partial answer: "bytes 0-99/1000".
std::string content_range(const RangeAnswer& partial, std::uint64_t size);

}  // namespace updraft
