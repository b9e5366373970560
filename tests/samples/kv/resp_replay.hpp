// Replays bytes through a RespParser as a connection feeds it, piece by piece, and writes down the commands it read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "samples/kv/resp_parser.hpp"
#include "support/replays.hpp"

namespace updraft::kv::testing {

// The transcript of a replay: one line per command (its arguments quoted, bytes outside printable ASCII as \xHH), or
// the error, then "end". The same bytes must give the same transcript however they are cut into pieces.
class RespReplay : public updraft::testing::Replays<RespReplay, RespLimits> {
 public:
  explicit RespReplay(const RespLimits& limits) : parser_(limits) {}

  // Feeds one piece as a connection does: parses until it needs more, dropping what each result consumed; false
  // after an error. A need_more whose `needed` the pending bytes already reach is written down as a fault.
  bool feed(std::string_view piece) {
    pending_.append(piece);
    for (;;) {
      const RespParser::Result r = parser_.parse(pending_, args_);
      if (r.status == RespParser::Status::error) {
        transcript_.append("error ").append(r.error).append("\n");
        return false;
      }
      if (r.status == RespParser::Status::command) record();
      if (r.status == RespParser::Status::need_more && r.needed != 0 && pending_.size() - r.consumed >= r.needed)
        transcript_ += "fault: needed " + std::to_string(r.needed) + " bytes already there\n";
      pending_.erase(0, r.consumed);
      if (r.status == RespParser::Status::need_more) return true;
    }
  }

  std::string finish() { return transcript_ + "end\n"; }

 private:
  void record() {
    for (std::string_view arg : args_) {
      updraft::testing::append_quoted(transcript_, arg);
      transcript_ += ' ';
    }
    transcript_.back() = '\n';
  }

  RespParser parser_;
  std::vector<std::string_view> args_;
  std::string pending_;
  std::string transcript_;
};

}  // namespace updraft::kv::testing
