// KvServer: the Redis-compatible sample's network side: a TCPServer whose streams speak RESP2, with one shard of the
// keys per loop thread. A command for keys another loop owns goes there with Loop::post and its reply comes back the
// same way, in order with the connection's other replies; no locks anywhere.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "core/net/tcp_server.hpp"
#include "samples/kv/resp_parser.hpp"
#include "samples/kv/store.hpp"

namespace updraft::kv {

struct KvOptions {
  TCPServerOptions tcp;
  RespLimits resp;
};

class KvServer : public TCPServer {
 public:
  explicit KvServer(KvOptions options);
  ~KvServer() override;

  const KvOptions& options() const { return options_; }
  // The shard (loop) that owns key.
  std::size_t shard_of(std::string_view key) const;
  // Shard i's store: touch it only on loop i.
  Store& store(std::size_t i) { return *stores_[i]; }

 protected:
  void handle_stream(Stream& stream, std::size_t loop) override;
  // Expiry: each loop's tick removes its store's keys whose deadline passed (others go when next looked at).
  void on_tick(std::size_t loop) override;
  std::string_view scheme() const override { return "redis"; }

 private:
  KvOptions options_;
  std::vector<std::unique_ptr<Store>> stores_;  // one per loop, made before any loop runs
};

}  // namespace updraft::kv
