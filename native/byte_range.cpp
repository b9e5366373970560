// Range requests: a strict single-range parser over untrusted bytes, and Tornado's answers to it.
#include "native/byte_range.hpp"

#include <limits>

#include "core/http/headers.hpp"

namespace updraft {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Blank: none. Digits: the number, saturated at 2^64-1. Anything else: false.
bool parse_position(std::string_view text, std::optional<std::uint64_t>& position) {
  text = trim(text);
  if (text.empty()) return true;
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    auto digit = static_cast<std::uint64_t>(c - '0');
    n = n > (max - digit) / 10 ? max : n * 10 + digit;
  }
  position = n;
  return true;
}
}  // namespace

std::optional<ByteRangeSpec> parse_byte_range(std::string_view header) {
  auto eq = header.find('=');
  if (eq == std::string_view::npos || !iequals(trim(header.substr(0, eq)), "bytes")) return std::nullopt;
  std::string_view value = header.substr(eq + 1);
  auto dash = value.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  ByteRangeSpec spec;
  if (!parse_position(value.substr(0, dash), spec.first) || !parse_position(value.substr(dash + 1), spec.last))
    return std::nullopt;
  return spec;
}

RangeAnswer apply_byte_range(const ByteRangeSpec& spec, std::uint64_t size) {
  using Kind = RangeAnswer::Kind;
  std::uint64_t offset = 0, end = size;  // [offset, end)
  if (spec.first) {
    offset = *spec.first;
    if (spec.last) {
      if (*spec.last < offset) return {Kind::unsatisfiable};
      if (*spec.last < size) end = *spec.last + 1;
    }
  } else if (spec.last) {  // a suffix
    if (*spec.last == 0) return {Kind::unsatisfiable};
    offset = *spec.last >= size ? 0 : size - *spec.last;
  } else {
    return {Kind::whole};
  }
  if (offset >= size) return {Kind::unsatisfiable};
  if (offset == 0 && end == size) return {Kind::whole};
  return {Kind::partial, offset, end - offset};
}

std::string content_range(const RangeAnswer& partial, std::uint64_t size) {
  return "bytes " + std::to_string(partial.offset) + "-" + std::to_string(partial.offset + partial.length - 1) + "/" +
         std::to_string(size);
}

}  // namespace updraft
