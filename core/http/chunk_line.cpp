// ChunkLine: a byte-at-a-time state machine over chunk-size [ *( BWS ";" BWS name [ BWS "=" BWS value ] ) ] CRLF.
#include "core/http/chunk_line.hpp"

#include "core/http/headers.hpp"

namespace updraft {

namespace {
constexpr std::size_t kMaxSizeDigits = 32;  // leading zeros allowed; llhttp refuses a size that overflows

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_bws(char c) { return c == ' ' || c == '\t'; }
// qdtext and the octets a quoted-pair may escape: HTAB, SP, VCHAR and obs-text, without '"' and '\'.
bool is_qdtext(char c) {
  auto u = static_cast<unsigned char>(c);
  return c == '\t' || c == ' ' || (u >= 0x21 && u != 0x7f && c != '"' && c != '\\');
}
}  // namespace

void ChunkLine::reset() {
  state_ = State::size;
  size_.clear();
  extension_bytes_ = 0;
}

ChunkLine::Result ChunkLine::take(std::string_view data, std::size_t max_extension_bytes) {
  for (std::size_t i = 0; i < data.size(); ++i) {
    const char c = data[i];
    // A byte of an extension's name or value (not its quotes or escapes).
    auto counted = [&] { return ++extension_bytes_ <= max_extension_bytes; };
    switch (state_) {
      case State::size:
        if (is_hex(c)) {
          if (size_.size() == kMaxSizeDigits) return fail(i, "chunk size too long");
          size_.push_back(c);
          continue;
        }
        if (size_.empty()) return fail(i, "malformed chunk size");
        [[fallthrough]];
      case State::after_item:
        if (c == '\r') {
          state_ = State::lf;
          continue;
        }
        [[fallthrough]];
      case State::before_semicolon:
        if (c == ';') state_ = State::before_name;
        else if (is_bws(c)) state_ = State::before_semicolon;
        else return fail(i, "malformed chunk size line");
        continue;
      case State::before_name:
      case State::name:
        if (is_tchar(c)) {
          if (!counted()) return fail(i, "chunk extension too long");
          state_ = State::name;
          continue;
        }
        if (state_ == State::before_name) {
          if (!is_bws(c)) return fail(i, "malformed chunk extension");
          continue;
        }
        if (c == '\r') {
          state_ = State::lf;
          continue;
        }
        [[fallthrough]];
      case State::after_name:
        if (c == '=') state_ = State::before_value;
        else if (c == ';') state_ = State::before_name;
        else if (is_bws(c)) state_ = State::after_name;
        else return fail(i, "malformed chunk extension");
        continue;
      case State::before_value:
      case State::token_value:
        if (is_tchar(c)) {
          if (!counted()) return fail(i, "chunk extension too long");
          state_ = State::token_value;
          continue;
        }
        if (state_ == State::before_value) {
          if (c == '"') state_ = State::quoted_value;
          else if (!is_bws(c)) return fail(i, "malformed chunk extension value");
          continue;
        }
        if (c == ';') state_ = State::before_name;
        else if (c == '\r') state_ = State::lf;
        else if (is_bws(c)) state_ = State::before_semicolon;
        else return fail(i, "malformed chunk extension value");
        continue;
      case State::quoted_value:
        if (c == '"') state_ = State::after_item;
        else if (c == '\\') state_ = State::quoted_pair;
        else if (!is_qdtext(c)) return fail(i, "malformed chunk extension value");
        else if (!counted()) return fail(i, "chunk extension too long");
        continue;
      case State::quoted_pair:
        if (!is_qdtext(c) && c != '"' && c != '\\') return fail(i, "malformed chunk extension value");
        if (!counted()) return fail(i, "chunk extension too long");
        state_ = State::quoted_value;
        continue;
      case State::lf:
        if (c != '\n') return fail(i, "bare CR in a chunk size line");
        size_.append("\r\n");
        return {i + 1, Step::done, ""};
    }
  }
  return {data.size(), Step::more, ""};
}

}  // namespace updraft
