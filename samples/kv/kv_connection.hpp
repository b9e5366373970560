// KvConnection: one client of the key-value sample: parses pipelined RESP2 commands from its stream, runs each on the
// shard that owns its keys, and writes the replies in command order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "core/net/stream.hpp"
#include "samples/kv/commands.hpp"
#include "samples/kv/resp_parser.hpp"

namespace updraft::kv {

class KvServer;

class KvConnection final : public StreamHandler {
 public:
  KvConnection(KvServer& server, std::size_t loop, Stream& stream);
  void on_data(Stream& stream) override;
  // A part of a command sent to another shard came back (on this connection's loop).
  void part_done(std::uint64_t sequence, std::size_t part, std::string reply);

 private:
  // A reply still waiting for other shards, in command order behind the ones before it.
  struct Pending {
    std::uint64_t sequence;
    Route route;
    std::vector<std::string> parts;      // each part's reply
    std::vector<std::size_t> key_parts;  // for MGET: the part holding each key
    std::size_t outstanding = 0;
    std::string reply;                   // the whole reply once outstanding is 0
    bool close_after = false;            // QUIT
  };
  void run(Args args);
  void send_parts(Args args, const Route& route);
  void flush_ready();

  KvServer& server_;
  std::size_t loop_;
  Stream& stream_;
  RespParser parser_;
  std::vector<std::string_view> args_;
  std::deque<Pending> pending_;
  std::uint64_t next_sequence_ = 0;
  bool closing_ = false;
};

}  // namespace updraft::kv
