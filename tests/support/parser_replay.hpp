// Replays bytes through a parser as a connection feeds it, piece by piece, and writes down what it saw: the cutting
// for any parser, and the replay of a RequestParser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/http/request_parser.hpp"

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

// Replays bytes through a fresh Replay, made from config..., in the pieces a connection may receive them in, and
// returns its transcript. A Replay has feed(piece) (false once it stops taking bytes) and finish() (the transcript).
template <class Replay, class... Config>
struct Replays {
  static std::string run(const Config&... config, const std::vector<std::string_view>& pieces) {
    Replay replay(config...);
    for (std::string_view piece : pieces)
      if (!replay.feed(piece)) break;
    return replay.finish();
  }
  // The whole input in one piece, in pieces of `size` bytes, or cut once at `cut`.
  static std::string whole(const Config&... config, std::string_view data) { return run(config..., {data}); }
  static std::string in_pieces(const Config&... config, std::string_view data, std::size_t size) {
    std::vector<std::string_view> pieces;
    for (std::size_t i = 0; i < data.size(); i += size) pieces.push_back(data.substr(i, size));
    return run(config..., pieces);
  }
  static std::string cut_at(const Config&... config, std::string_view data, std::size_t cut) {
    return run(config..., {data.substr(0, cut), data.substr(cut)});
  }
};

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
