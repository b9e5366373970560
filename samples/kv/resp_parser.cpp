// RESP2 request parsing: multibulk commands with Redis's checks and errors, inline commands split as Redis splits them.
#include "samples/kv/resp_parser.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "samples/kv/integer.hpp"

namespace updraft::kv {

namespace {

// A length line ("*3\r\n", "$5\r\n") has at most 20 characters after its prefix, so one with no '\r' in its first 32
// bytes is invalid however it goes on: it is refused then, the same whether its bytes come at once or one by one.
constexpr std::size_t kMaxLengthLine = 32;

enum class Line { done, need_more, invalid };

// Reads the integer of the length line at data[pos] (pos at its prefix) and moves pos past the line.
Line read_length(std::string_view data, std::size_t& pos, long long& value) {
  const std::size_t available = std::min(data.size() - pos, kMaxLengthLine);
  const char* line = data.data() + pos;
  const char* cr = static_cast<const char*>(std::memchr(line, '\r', available));
  if (cr == nullptr) return available == kMaxLengthLine ? Line::invalid : Line::need_more;
  const std::size_t cr_at = static_cast<std::size_t>(cr - data.data());
  if (cr_at + 1 == data.size()) return Line::need_more;
  if (data[cr_at + 1] != '\n' || !parse_integer(data.substr(pos + 1, cr_at - pos - 1), value)) return Line::invalid;
  pos = cr_at + 2;
  return Line::done;
}

// Redis skips these (isspace) between inline arguments...
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
// ...but only these end an unquoted one.
bool ends_word(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char unescape(char c) {
  switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
  }
}

std::uintptr_t address(const char* p) { return reinterpret_cast<std::uintptr_t>(p); }

}  // namespace

RespParser::Result RespParser::parse(std::string_view data, std::vector<std::string_view>& args) {
  std::size_t skipped = 0;  // empty commands before the next one
  for (;;) {
    const std::string_view rest = data.substr(skipped);
    std::size_t pos = 0;
    if (skipped == 0 && resume_ > 0 && can_resume(rest, args)) {
      move_args(rest, args);
      pos = resume_;
    } else {
      args.clear();
      remaining_ = 0;
    }
    resume_ = 0;
    needed_ = 0;
    if (rest.empty()) return {Status::need_more, skipped, 0, {}};
    const Step step = rest[0] == '*' ? read_multibulk(rest, args, pos) : read_inline(rest, args, pos);
    switch (step) {
      case Step::command:
        return {Status::command, skipped + pos, 0, {}};
      case Step::empty:
        skipped += pos;
        break;
      case Step::need_more:
        resume_ = pos;
        start_ = rest.data();
        arg_count_ = args.size();
        return {Status::need_more, skipped, needed_, {}};
      case Step::error:
        return {Status::error, 0, 0, error_};
    }
  }
}

// A multibulk's "*N" header is read when pos is 0; otherwise pos is the "$" line of its next argument.
RespParser::Step RespParser::read_multibulk(std::string_view data, std::vector<std::string_view>& args,
                                            std::size_t& pos) {
  if (pos == 0) {
    long long count = 0;
    switch (read_length(data, pos, count)) {
      case Line::need_more: return Step::need_more;
      case Line::invalid: return fail("Protocol error: invalid multibulk length");
      case Line::done: break;
    }
    if (count <= 0) return Step::empty;  // "*0" and "*-1" ask for nothing, as in Redis
    if (static_cast<unsigned long long>(count) > limits_.max_args) return fail("Protocol error: invalid multibulk length");
    remaining_ = static_cast<std::size_t>(count);
  }
  for (; remaining_ > 0; --remaining_) {
    if (pos == data.size()) return Step::need_more;
    if (data[pos] != '$') return fail_expected_dollar(data[pos]);
    std::size_t at = pos;
    long long length = 0;
    switch (read_length(data, at, length)) {
      case Line::need_more: return Step::need_more;
      case Line::invalid: return fail("Protocol error: invalid bulk length");
      case Line::done: break;
    }
    if (length < 0 || static_cast<unsigned long long>(length) > limits_.max_bulk)
      return fail("Protocol error: invalid bulk length");
    const std::size_t end = at + static_cast<std::size_t>(length);
    if (data.size() < end + 2) {
      needed_ = end + 2;
      return Step::need_more;
    }
    if (data[end] != '\r' || data[end + 1] != '\n') return fail("Protocol error: bulk argument not followed by CRLF");
    args.push_back(data.substr(at, static_cast<std::size_t>(length)));
    pos = end + 2;
  }
  return Step::command;
}

// pos is how far the line was already searched for its end.
RespParser::Step RespParser::read_inline(std::string_view data, std::vector<std::string_view>& args,
                                         std::size_t& pos) {
  // The line may be max_inline bytes long: its '\n' is within the first max_inline + 1 bytes, or it is too long.
  const std::size_t searched = limits_.max_inline < data.size() ? limits_.max_inline + 1 : data.size();
  const void* newline = pos < searched ? std::memchr(data.data() + pos, '\n', searched - pos) : nullptr;
  if (newline == nullptr) {
    if (data.size() > limits_.max_inline) return fail("Protocol error: too big inline request");
    pos = searched;
    return Step::need_more;
  }
  const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(newline) - data.data());
  std::string_view line = data.substr(0, end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  pos = end + 1;
  if (!split_inline(line, args)) return fail("Protocol error: unbalanced quotes in request");
  return args.empty() ? Step::empty : Step::command;
}

// Splits an inline line as Redis's sdssplitargs does: arguments between blanks, "double quotes" with \n, \r, \t, \b,
// \a, \xHH and \<any> escapes, 'single quotes' with \' only; a closing quote must be followed by a blank or the end.
// Unquoted arguments are views into the line; if it has quotes, every argument is copied into unescaped_, reserved
// beforehand to the line's size (no argument gets longer unescaped) so that the views stay valid.
bool RespParser::split_inline(std::string_view line, std::vector<std::string_view>& args) {
  const bool quoted = line.find_first_of("\"'") != std::string_view::npos;
  if (quoted) {
    unescaped_.clear();
    unescaped_.reserve(line.size());
  }
  const std::size_t n = line.size();
  std::size_t i = 0;
  for (;;) {
    while (i < n && is_space(line[i])) ++i;
    if (i == n) return true;
    if (!quoted) {
      const std::size_t begin = i;
      while (i < n && !ends_word(line[i])) ++i;
      args.push_back(line.substr(begin, i - begin));
      continue;
    }
    const std::size_t begin = unescaped_.size();
    enum class Mode { plain, double_quoted, single_quoted } mode = Mode::plain;
    for (bool done = false; !done;) {
      if (mode != Mode::plain && i == n) return false;  // unterminated quotes
      if (mode == Mode::plain && (i == n || ends_word(line[i]))) break;
      const char c = line[i];
      if (mode == Mode::double_quoted) {
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && hex_value(line[i + 2]) >= 0 && hex_value(line[i + 3]) >= 0) {
          unescaped_.push_back(static_cast<char>(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          unescaped_.push_back(unescape(line[++i]));
        } else if (c == '"') {
          if (i + 1 < n && !is_space(line[i + 1])) return false;
          done = true;
        } else {
          unescaped_.push_back(c);
        }
      } else if (mode == Mode::single_quoted) {
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          unescaped_.push_back('\'');
          ++i;
        } else if (c == '\'') {
          if (i + 1 < n && !is_space(line[i + 1])) return false;
          done = true;
        } else {
          unescaped_.push_back(c);
        }
      } else if (c == '"') {
        mode = Mode::double_quoted;
      } else if (c == '\'') {
        mode = Mode::single_quoted;
      } else {
        unescaped_.push_back(c);
      }
      ++i;
    }
    args.emplace_back(unescaped_.data() + begin, unescaped_.size() - begin);
  }
}

RespParser::Step RespParser::fail(std::string_view error) {
  error_ = error;
  return Step::error;
}

RespParser::Step RespParser::fail_expected_dollar(char got) {
  // An error reply is one line: Redis writes a CR or LF it would quote as a space.
  const char shown = got == '\r' || got == '\n' ? ' ' : got;
  const int n = std::snprintf(error_text_, sizeof error_text_, "Protocol error: expected '$', got '%c'", shown);
  return fail({error_text_, static_cast<std::size_t>(n)});
}

// The pending command is the one at the start of data if data is at least as long as what was read of it, is of the
// same kind, and args still holds the arguments read so far.
bool RespParser::can_resume(std::string_view data, const std::vector<std::string_view>& args) const {
  return data.size() >= resume_ && (data[0] == '*') == (remaining_ > 0) && args.size() == arg_count_;
}

void RespParser::move_args(std::string_view data, std::vector<std::string_view>& args) const {
  if (data.data() == start_) return;
  for (std::string_view& arg : args)
    arg = {data.data() + (address(arg.data()) - address(start_)), arg.size()};
}

}  // namespace updraft::kv
