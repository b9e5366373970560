// Replays bytes through a FrameParser as a connection feeds it, piece by piece, and writes down the events.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/websocket/frame_parser.hpp"

namespace updraft::websocket::testing {

// The transcript of a replay: one line per event (messages and control payloads quoted, bytes outside printable
// ASCII as \xHH) or the error, then "end". The same bytes must give the same transcript however they are cut into
// pieces. A line starting "fault: " is a broken promise of the parser's: a need_more that left bytes unconsumed or
// said nothing more was needed, an event before the bytes need_more asked for, an error not repeated.
class FrameReplay {
 public:
  explicit FrameReplay(const FrameOptions& options) : parser_(options) {}

  static std::string run(const FrameOptions& options, const std::vector<std::string_view>& pieces) {
    FrameReplay replay(options);
    for (std::string_view piece : pieces)
      if (!replay.feed(piece)) break;
    return replay.finish();
  }
  // The whole input in one piece, in pieces of `size` bytes, or cut once at `cut`.
  static std::string whole(const FrameOptions& options, std::string_view data) { return run(options, {data}); }
  static std::string in_pieces(const FrameOptions& options, std::string_view data, std::size_t size) {
    std::vector<std::string_view> pieces;
    for (std::size_t i = 0; i < data.size(); i += size) pieces.push_back(data.substr(i, size));
    return run(options, pieces);
  }
  static std::string cut_at(const FrameOptions& options, std::string_view data, std::size_t cut) {
    return run(options, {data.substr(0, cut), data.substr(cut)});
  }
  // The transcript of the whole input if cutting it in two (every cut_step bytes), byte by byte and in pieces of 3
  // all give it too; else what differed.
  static std::string every_way(const FrameOptions& options, std::string_view data, std::size_t cut_step = 1) {
    const std::string transcript = whole(options, data);
    auto differs = [&](const std::string& how, const std::string& other) {
      return "whole:\n" + transcript + how + ":\n" + other;
    };
    for (std::size_t cut = 0; cut <= data.size(); cut += cut_step)
      if (std::string other = cut_at(options, data, cut); other != transcript)
        return differs("cut at " + std::to_string(cut), other);
    for (std::size_t size : {1, 3})
      if (std::string other = in_pieces(options, data, size); other != transcript)
        return differs("pieces of " + std::to_string(size), other);
    return transcript;
  }

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
    quote(event.payload);
    if (event.compressed) transcript_ += " compressed";
    transcript_ += '\n';
  }

  void quote(std::string_view bytes) {
    transcript_ += '"';
    for (char c : bytes) {
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        transcript_ += c;
      } else {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
        transcript_ += escaped;
      }
    }
    transcript_ += '"';
  }

  FrameParser parser_;
  std::string pending_;
  std::string transcript_;
  std::size_t owed_ = 0;  // bytes the last need_more said were needed
  bool closed_ = false;
};

}  // namespace updraft::websocket::testing
