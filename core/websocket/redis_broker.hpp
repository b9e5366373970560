// RedisBroker: topics past one process through Redis pub/sub (libhiredis' async API on a loop thread of its own), so a
// message published in any process reaches the subscribers of every process that uses the same Redis.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/websocket/topics.hpp"

namespace updraft::websocket {

class RedisBroker final : public Broker {
 public:
  // Connects to Redis at host:port (lazily, on first use, so a server may fork first), with every topic as the
  // channel prefix + topic. Sets itself as the broker of topics, and unsets itself when destroyed.
  RedisBroker(Topics& topics, std::string host, std::uint16_t port, std::string prefix = "updraft:");
  ~RedisBroker() override;
  RedisBroker(const RedisBroker&) = delete;
  RedisBroker& operator=(const RedisBroker&) = delete;

  // Broker: false while Redis is unreachable (the message then reaches this process's subscribers only); the
  // connection is retried, with pauses growing to 2 s, and the topics are subscribed again once it is back.
  bool publish(std::string_view topic, std::string_view message, bool binary) override;
  void subscribe(std::string_view topic) override;
  void unsubscribe(std::string_view topic) override;
  bool connected() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Topics& topics_;
};

}  // namespace updraft::websocket
