// Command-line flags for the WebSockets of an executable: message limit, pings, the slow-peer limit and policy, and
// the Redis that carries topics between processes.
#pragma once

#include <memory>
#include <string>

#include "core/websocket/redis_broker.hpp"
#include "core/websocket/websocket_connection.hpp"

namespace CLI {
class App;
}

namespace updraft {

struct WebSocketFlags {
  websocket::ConnectionOptions options;
  std::string redis;  // --ws-redis HOST:PORT, or empty: topics stay in the process
};

// Registers --ws-max-message, --ws-ping-interval, --ws-ping-timeout, --ws-max-buffered, --ws-slow-peer, --ws-deflate
// (its default: flags.options.deflate.enabled as given) and --ws-redis.
void add_websocket_flags(CLI::App& app, WebSocketFlags& flags);

// The broker --ws-redis asks for, set on topics (none without the flag); keep it until the server has stopped.
// Throws std::runtime_error for an address that is not HOST:PORT.
std::unique_ptr<websocket::RedisBroker> make_broker(const WebSocketFlags& flags, websocket::Topics& topics);

}  // namespace updraft
