// ChunkLine: reads a chunk-size line of a chunked body (RFC 9112 7.1) as it arrives, including the optional whitespace
// around a chunk extension's ';' and '=' that llhttp 8.1 refuses; llhttp then gets the size alone.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace updraft {

class ChunkLine {
 public:
  enum class Step { more, done, error };
  struct Result {
    std::size_t used = 0;  // bytes taken from the data (up to the line's LF when done, the bad byte on an error)
    Step step = Step::more;
    const char* reason = "";  // for an error
  };

  // Takes what belongs to the line from data. max_extension_bytes caps the extensions' names and values together.
  Result take(std::string_view data, std::size_t max_extension_bytes);
  // Once done: the line as llhttp accepts it, the size's digits and CRLF.
  std::string_view for_llhttp() const { return size_; }
  // For the next chunk's line.
  void reset();

 private:
  enum class State {
    size,              // hex digits
    after_item,        // right after the size or a closing quote: ';', BWS or CR next
    before_semicolon,  // BWS after the size or a value: ';' next (no whitespace before CRLF)
    before_name,       // BWS after ';'
    name,
    after_name,        // BWS after a name: '=' or ';' next
    before_value,      // BWS after '='
    token_value,
    quoted_value,
    quoted_pair,       // after a backslash in a quoted value
    lf,                // after CR
  };
  Result fail(std::size_t at, const char* reason) { return {at, Step::error, reason}; }

  State state_ = State::size;
  std::string size_;  // the digits, then CRLF
  std::size_t extension_bytes_ = 0;
};

}  // namespace updraft
