// RespParser: reads RESP2 requests (multibulk and inline commands) from a connection's input, incrementally.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace updraft::kv {

struct RespLimits {
  std::size_t max_bulk = 512u << 20;      // one argument's length (Redis's proto-max-bulk-len)
  std::size_t max_args = 1024 * 1024;     // arguments in one multibulk command
  std::size_t max_inline = 64 * 1024;     // an inline command line, the bytes before its LF (PROTO_INLINE_MAX_SIZE)
};

// Turns a connection's input into commands, one per parse() call, with their arguments as views into the input.
//
// The caller keeps the unconsumed input in a buffer and, after every result, drops its first `consumed` bytes:
//
//   for (;;) {
//     auto r = parser.parse(buffer.pending(), args);
//     if (r.status == RespParser::Status::command) run(args);    // args are valid until the bytes are dropped
//     buffer.drop(r.consumed);
//     if (r.status != RespParser::Status::command) break;        // need_more: read more; error: reply and close
//   }
//
// A command cut short by the end of the input is not read again from its start: after need_more the parser
// remembers how far it got (and args holds the arguments read so far), so the next call, given the same bytes
// followed by more and the same args vector, goes on from there. Reading a command therefore costs time in
// proportion to its size however many pieces it arrives in. If the input moved (a buffer grown or compacted),
// the views in args are moved with it; if args was changed in between, the parser starts the command over.
class RespParser {
 public:
  enum class Status { command, need_more, error };
  struct Result {
    Status status;
    // The bytes to drop from the front of the input: the command's, or with need_more the empty commands ("\r\n",
    // "*0\r\n") skipped before the pending one. With error, 0 (the connection closes).
    std::size_t consumed;
    // With need_more: how many bytes (counted after the consumed ones) the pending command needs before parse can
    // get further, when the lengths read so far tell (inside a bulk argument, the end of that argument; in the last
    // one, the whole command's size), else 0. A caller can make room for that many and wait for them.
    std::size_t needed;
    // With error: the reply text after "-ERR ", in Redis's words where Redis has them, e.g.
    // "Protocol error: invalid bulk length". Valid until the next call.
    std::string_view error;
  };

  explicit RespParser(const RespLimits& limits) : limits_(limits) {}

  // Reads the next command at the start of data (the unconsumed input). On command, args holds its arguments (the
  // name first, never empty): views into data, or, for inline arguments with quotes or escapes, into the parser's
  // own storage, valid until the next call. Multibulk lengths over the limits are refused as soon as their header is
  // read, before the bytes they announce arrive.
  Result parse(std::string_view data, std::vector<std::string_view>& args);

 private:
  // Why a read of one command stopped.
  enum class Step { command, empty, need_more, error };
  Step read_multibulk(std::string_view data, std::vector<std::string_view>& args, std::size_t& pos);
  Step read_inline(std::string_view data, std::vector<std::string_view>& args, std::size_t& pos);
  bool split_inline(std::string_view line, std::vector<std::string_view>& args);
  Step fail(std::string_view error);
  Step fail_expected_dollar(char got);
  bool can_resume(std::string_view data, const std::vector<std::string_view>& args) const;
  void move_args(std::string_view data, std::vector<std::string_view>& args) const;

  RespLimits limits_;
  // A pending command (resume_ > 0): the offset to go on from (a multibulk's next "$" line, or how far an inline
  // line was searched for its end), the multibulk arguments still to read, and where the command started and how
  // many arguments args held when parse returned need_more.
  std::size_t resume_ = 0;
  std::size_t remaining_ = 0;
  const char* start_ = nullptr;
  std::size_t arg_count_ = 0;
  std::size_t needed_ = 0;
  std::string_view error_;
  char error_text_[48];        // an error naming the byte it found
  std::string unescaped_;      // inline arguments with quotes or escapes
};

}  // namespace updraft::kv
