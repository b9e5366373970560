// Replays bytes through a FrameParser as a connection feeds it, piece by piece, and writes down the events.
#pragma once

#include <string>
#include <string_view>

#include "core/websocket/frame_parser.hpp"
#include "support/replays.hpp"

namespace updraft::websocket::testing {

// The transcript of a replay: one line per event (messages and control payloads quoted, bytes outside printable
// ASCII as \xHH) or the error, then "end". The same bytes must give the same transcript however they are cut into
// pieces. A line starting "fault: " is a broken promise of the parser's: a need_more that left bytes unconsumed or
// said nothing more was needed, an event before the bytes need_more asked for, an error not repeated.
class FrameReplay : public updraft::testing::Replays<FrameReplay, FrameOptions> {
 public:
  explicit FrameReplay(const FrameOptions& options) : parser_(options) {}

  // Feeds one piece as a connection does: takes events until the parser needs more; false after an error.
  bool feed(std::string_view piece) {
    pending_.append(piece);
    for (;;) {
      const FrameParser::Event event = parser_.next(pending_);
      if (event.kind == FrameParser::Kind::error) {
        transcript_ += "error " + std::to_string(event.code) + " " + std::string(event.payload) + "\n";
        const FrameParser::Event again = parser_.next("\x81");
        if (again.kind != FrameParser::Kind::error || again.code != event.code || again.payload != event.payload)
          transcript_ += "fault: the error is not repeated\n";
        return false;
      }
      if (event.kind == FrameParser::Kind::need_more) {
        if (event.consumed != pending_.size()) transcript_ += "fault: need_more left bytes unconsumed\n";
        if (event.needed == 0 && !closed_) transcript_ += "fault: need_more needs nothing\n";
        pending_.erase(0, event.consumed);
        owed_ = event.needed;
        return true;
      }
      if (event.consumed < owed_)
        transcript_ += "fault: an event after " + std::to_string(event.consumed) + " of the " + std::to_string(owed_) +
                       " bytes needed\n";
      owed_ = 0;
      record(event);
      pending_.erase(0, event.consumed);
    }
  }

  std::string finish() { return transcript_ + "end\n"; }

 private:
  void record(const FrameParser::Event& event) {
    switch (event.kind) {
      case FrameParser::Kind::text: transcript_ += "text "; break;
      case FrameParser::Kind::binary: transcript_ += "binary "; break;
      case FrameParser::Kind::ping: transcript_ += "ping "; break;
      case FrameParser::Kind::pong: transcript_ += "pong "; break;
      case FrameParser::Kind::close:
        transcript_ += "close " + std::to_string(event.code) + " ";
        closed_ = true;
        break;
      case FrameParser::Kind::need_more:
      case FrameParser::Kind::error: break;
    }
    updraft::testing::append_quoted(transcript_, event.payload);
    if (event.compressed) transcript_ += " compressed";
    transcript_ += '\n';
  }

  FrameParser parser_;
  std::string pending_;
  std::string transcript_;
  std::size_t owed_ = 0;  // bytes the last need_more said were needed
  bool closed_ = false;
};

}  // namespace updraft::websocket::testing
