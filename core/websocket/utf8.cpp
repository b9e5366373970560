// UTF-8 validation after RFC 3629's table of well-formed byte sequences, with runs of ASCII checked 8 bytes at a time.
#include "core/websocket/utf8.hpp"

#include <cstring>

namespace updraft::websocket {

namespace {

// The first byte at or after p that is not ASCII, or end.
const std::uint8_t* skip_ascii(const std::uint8_t* p, const std::uint8_t* end) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ull;
  for (; end - p >= 8; p += 8) {
    std::uint64_t word;
    std::memcpy(&word, p, sizeof word);
    if (word & kHighBits) break;
  }
  while (p != end && *p < 0x80) ++p;
  return p;
}

}  // namespace

bool Utf8Validator::feed(std::string_view bytes) {
  if (failed_) return false;
  const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p != end) {
    if (continuations_ == 0) {
      p = skip_ascii(p, end);
      if (p != end && !start_character(*p++)) return fail();
      continue;
    }
    if (*p < lowest_ || *p > highest_) return fail();
    ++p;
    --continuations_;
    lowest_ = 0x80;
    highest_ = 0xBF;
  }
  return true;
}

// RFC 3629 section 4: the lead byte tells how many continuation bytes follow and, for the lead bytes whose shortest
// or largest forms are excluded, the range of the first one.
bool Utf8Validator::start_character(std::uint8_t lead) {
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuations_ = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    continuations_ = 2;
    if (lead == 0xE0) lowest_ = 0xA0;   // below: an overlong form of U+0000..U+07FF
    if (lead == 0xED) highest_ = 0x9F;  // above: the surrogates U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    continuations_ = 3;
    if (lead == 0xF0) lowest_ = 0x90;   // below: an overlong form of U+0000..U+FFFF
    if (lead == 0xF4) highest_ = 0x8F;  // above: past U+10FFFF
  } else {
    return false;  // a continuation byte with no lead, C0 and C1 (overlong), F5..FF (past U+10FFFF, 5 and 6 bytes)
  }
  return true;
}

bool Utf8Validator::fail() {
  failed_ = true;
  return false;
}

bool is_valid_utf8(std::string_view text) {
  Utf8Validator validator;
  return validator.feed(text) && validator.complete();
}

}  // namespace updraft::websocket
