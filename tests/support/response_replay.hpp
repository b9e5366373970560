// Replays bytes through the HTTP client's ResponseParser as a connection feeds it, piece by piece, and writes down the
// response it saw, for its unit tests and fuzz target.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/httpclient/response_parser.hpp"
#include "support/replays.hpp"

namespace updraft::testing {

// How the response is read: to a HEAD request or not, the body limit, the body kept whole or taken in pieces.
struct ResponseReading {
  bool head_request = false;
  std::uint64_t max_body = 1024;
  bool pieces = false;
};

// The transcript of a replay: the final response (status, reason, fields, body, keep-alive, bytes left after it) or the
// error, then how the bytes ended. The same bytes must give the same transcript however they are cut into pieces.
class ResponseReplay : public Replays<ResponseReplay, ResponseReading> {
 public:
  explicit ResponseReplay(const ResponseReading& reading)
      : parser_(reading.head_request, reading.max_body, reading.pieces), pieces_(reading.pieces) {}

  // Feeds one piece as the client does (unconsumed bytes wait for the next piece, bytes after the response stay in the
  // buffer); false once the response is bad.
  bool feed(std::string_view piece) {
    pending_.append(piece);
    if (parser_.done()) return true;
    try {
      std::size_t used = parser_.feed(pending_);
      take_pieces();
      pending_.erase(0, used);
    } catch (const httpclient::BadResponse& e) {
      return fail(e);
    }
    return true;
  }

  // The connection ends after the pieces fed.
  std::string finish() {
    if (failed_) return transcript_;
    if (!parser_.done()) {
      try {
        parser_.finish();
      } catch (const httpclient::BadResponse& e) {
        fail(e);
        return transcript_;
      }
    }
    std::string& t = transcript_;
    t.append(std::to_string(parser_.status())).append(" 1.").append(std::to_string(parser_.http_minor()));
    t.append(" reason=");
    append_quoted(t, parser_.reason());
    for (auto f : parser_.headers()) t.append(" [").append(f.name).append(": ").append(f.value).append("]");
    t.append(" body=").append(std::to_string(body().size())).append(":");
    append_quoted(t, body());
    t.append(parser_.keep_alive() ? " keep-alive" : " close");
    t.append(" left=").append(std::to_string(pending_.size())).append("\n");
    return transcript_;
  }

 private:
  bool fail(const httpclient::BadResponse& e) {
    transcript_ += std::string("error ") + (e.body_too_large() ? "(too large) " : "") + e.what() + "\n";
    failed_ = true;
    return false;
  }
  void take_pieces() {
    for (auto piece : parser_.pieces()) taken_.append(piece);
  }
  const std::string& body() { return pieces_ ? taken_ : parser_.body(); }

  httpclient::ResponseParser parser_;
  bool pieces_;
  std::string pending_;
  std::string taken_;
  std::string transcript_;
  bool failed_ = false;
};

}  // namespace updraft::testing
