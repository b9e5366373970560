// Decimal integer parsing with Redis's rules.
#include "samples/kv/integer.hpp"

#include <limits>

namespace updraft::kv {

bool parse_integer(std::string_view text, long long& value) {
  if (text.empty() || text.size() > 20) return false;
  if (text == "0") {
    value = 0;
    return true;
  }
  const bool negative = text[0] == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty() || text[0] < '1' || text[0] > '9') return false;
  // The magnitude is accumulated unsigned so that the smallest long long, whose magnitude has no positive, fits.
  unsigned long long magnitude = 0;
  constexpr unsigned long long kMax = std::numeric_limits<unsigned long long>::max();
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    unsigned digit = static_cast<unsigned>(c - '0');
    if (magnitude > (kMax - digit) / 10) return false;
    magnitude = magnitude * 10 + digit;
  }
  constexpr unsigned long long kMaxPositive = std::numeric_limits<long long>::max();
  if (negative) {
    if (magnitude > kMaxPositive + 1) return false;
    value = magnitude == kMaxPositive + 1 ? std::numeric_limits<long long>::min() : -static_cast<long long>(magnitude);
  } else {
    if (magnitude > kMaxPositive) return false;
    value = static_cast<long long>(magnitude);
  }
  return true;
}

}  // namespace updraft::kv
