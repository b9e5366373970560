// Utf8Validator: checks that bytes are UTF-8 as they arrive, for WebSocket text messages and close reasons.
#pragma once

#include <cstdint>
#include <string_view>

namespace updraft::websocket {

// Checks a text that arrives in pieces cut anywhere, even inside a character: between calls it keeps what the part
// of a character seen so far allows next. It refuses what RFC 3629 refuses: stray continuation bytes, overlong forms,
// surrogates (U+D800..U+DFFF), code points above U+10FFFF, the bytes C0, C1 and F5..FF. A text is refused at its
// first byte that no valid text can have there, so a bad prefix is noticed without waiting for the rest.
class Utf8Validator {
 public:
  // Checks the next bytes of the text; false if the text so far cannot begin a valid one (and from then on).
  bool feed(std::string_view bytes);
  // True if the text so far is valid and does not end inside a character.
  bool complete() const { return !failed_ && continuations_ == 0; }

 private:
  bool start_character(std::uint8_t lead);
  bool fail();

  std::uint8_t continuations_ = 0;  // continuation bytes the current character still needs
  std::uint8_t lowest_ = 0x80;      // the range the next continuation byte must be in (the first one's is narrower
  std::uint8_t highest_ = 0xBF;     // after E0, ED, F0 and F4)
  bool failed_ = false;
};

// A whole text: valid UTF-8 that does not end inside a character.
bool is_valid_utf8(std::string_view text);

}  // namespace updraft::websocket
