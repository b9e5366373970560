// Replays bytes through a RequestParser as a connection feeds it, piece by piece, and writes down what it saw.
#pragma once

#include <string>
#include <string_view>

#include "core/http/request_parser.hpp"
#include "support/replays.hpp"

namespace updraft::testing {

// Small limits, so that a head past them is short enough to replay byte by byte at every cut.
inline Limits small_limits() {
  Limits limits;
  limits.max_request_line = 40;
  limits.max_header_count = 4;
  limits.max_header_field_size = 48;
  limits.max_header_bytes = 96;
  limits.max_chunk_extension_bytes = 8;
  return limits;
}

// The transcript of a replay: one line per message (its head, trailers and body) or error, then how it ended.
// The same bytes must give the same transcript however they are cut into pieces.
class ParserReplay : public Replays<ParserReplay, Limits>, private ParserListener {
 public:
  explicit ParserReplay(const Limits& limits) : parser_(limits, *this) { parser_.set_head(&head_); }

  // Feeds one piece as a connection does (unconsumed bytes wait for the next piece); false after an error.
  bool feed(std::string_view piece) {
    pending_.append(piece);
    while (!pending_.empty()) {
      RequestParser::Result r = parser_.feed(pending_);
      pending_.erase(0, r.consumed);
      if (r.outcome == RequestParser::Outcome::error) {
        transcript_ += "error " + std::to_string(r.status) + " " + std::string(r.reason) + "\n";
        failed_ = true;
        return false;
      }
      if (r.outcome == RequestParser::Outcome::need_more) break;
      record_message();
    }
    return true;
  }

  std::string finish() {
    if (!failed_) transcript_ += parser_.in_message() ? "cut short\n" : "end\n";
    return transcript_;
  }

 private:
  int on_head(RequestHead&) override { return 0; }
  int on_body(std::string_view chunk) override {
    body_.append(chunk);
    return 0;
  }

  void record_message() {
    std::string& t = transcript_;
    t.append(head_.method).append(" ").append(head_.target).append(" 1.").append(std::to_string(head_.version_minor));
    t.append(head_.keep_alive ? " keep-alive" : " close");
    for (auto f : head_.headers) t.append(" [").append(f.name).append(": ").append(f.value).append("]");
    for (auto f : head_.trailers()) t.append(" trailer[").append(f.name).append(": ").append(f.value).append("]");
    t.append(" body=").append(std::to_string(body_.size())).append(":").append(body_).append("\n");
    body_.clear();
    head_ = RequestHead{};
    parser_.next_message();
  }

  RequestParser parser_;
  RequestHead head_;
  std::string pending_;
  std::string body_;
  std::string transcript_;
  bool failed_ = false;
};

}  // namespace updraft::testing
