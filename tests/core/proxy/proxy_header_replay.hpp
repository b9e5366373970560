// Replays bytes through parse_proxy_header() as ProxyProtocolReader feeds it (every byte received so far, each time
// more arrive), in the pieces support/parser_replay.hpp cuts, and writes down the header or the error.
#pragma once

#include <string>
#include <string_view>

#include "core/proxy/proxy_header.hpp"
#include "support/parser_replay.hpp"

namespace updraft::proxy::testing {

// The transcript: the header (version, client, length) or the error, then the bytes after the header (those the
// next protocol gets), or how much arrived without a decision.
class ProxyHeaderReplay : public updraft::testing::Replays<ProxyHeaderReplay> {
 public:
  bool feed(std::string_view piece) {
    received_.append(piece);
    if (read_) return true;
    ProxyHeaderResult r = parse_proxy_header(received_);
    switch (r.outcome) {
      case ProxyHeaderResult::Outcome::need_more:
        return true;
      case ProxyHeaderResult::Outcome::error:
        transcript_ = "error " + std::string(r.reason) + "\n";
        return false;
      case ProxyHeaderResult::Outcome::done:
        transcript_ = describe(r) + "\n";
        read_ = r.length;
        return true;
    }
    return true;
  }

  std::string finish() const {
    if (!transcript_.empty() && !read_) return transcript_;  // an error
    if (!read_) return "need more after " + std::to_string(received_.size()) + " bytes\n";
    std::string out = transcript_ + "then ";
    updraft::testing::append_quoted(out, std::string_view(received_).substr(read_));
    return out + "\n";
  }

 private:
  static std::string describe(const ProxyHeaderResult& r) {
    std::string out = "v" + std::to_string(r.header.version) + " length " + std::to_string(r.length) + " ";
    switch (r.header.client) {
      case ProxyHeader::Client::connection: return out + "connection's peer";
      case ProxyHeader::Client::unix_socket: return out + "unix socket";
      case ProxyHeader::Client::inet: return out + r.header.address + " port " + std::to_string(r.header.port);
    }
    return out;
  }

  std::string received_;
  std::string transcript_;
  std::size_t read_ = 0;  // the header's length once read
};

}  // namespace updraft::proxy::testing
