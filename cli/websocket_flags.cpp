// WebSocket flags: CLI11 options mapped onto websocket::ConnectionOptions, and the Redis broker.
#include "cli/websocket_flags.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <stdexcept>

#include "cli/server_flags.hpp"
#include "core/websocket/redis_broker.hpp"

namespace updraft {

void add_websocket_flags(CLI::App& app, WebSocketFlags& flags) {
  websocket::ConnectionOptions& options = flags.options;
  app.add_option("--ws-max-message", options.frames.max_message_size,
                 "largest WebSocket message in bytes, before or after decompression (closed with 1009 past it)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_seconds_flag(app, "--ws-ping-interval", options.ping_interval,
                   "seconds between the pings sent on each WebSocket (0: none)", /*zero_allowed=*/true);
  add_seconds_flag(app, "--ws-ping-timeout", options.ping_timeout,
                   "seconds a ping may wait for its pong before the WebSocket is closed (0: the greater of 3 "
                   "intervals and 30 s)",
                   /*zero_allowed=*/true);
  app.add_option("--ws-max-buffered", options.max_buffered_output,
                 "bytes waiting for a WebSocket peer beyond which its messages are dropped or it is closed")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option_function<std::string>(
         "--ws-slow-peer",
         [&options](const std::string& v) {
           options.slow_peer = v == "close" ? websocket::SlowPeerPolicy::close : websocket::SlowPeerPolicy::drop;
         },
         "a WebSocket peer past --ws-max-buffered: drop its messages, or close it with 1008")
      ->default_str("drop")
      ->check(CLI::IsMember({"drop", "close"}));
  app.add_option_function<std::string>(
         "--ws-deflate", [&options](const std::string& v) { options.deflate.enabled = v == "on"; },
         "permessage-deflate for the WebSockets whose client offers it: on or off")
      ->default_str(options.deflate.enabled ? "on" : "off")
      ->check(CLI::IsMember({"on", "off"}));
  app.add_option("--ws-redis", flags.redis,
                 "HOST:PORT of a Redis whose pub/sub carries WebSocket topics between processes (default: none)");
}

std::unique_ptr<websocket::RedisBroker> make_broker(const WebSocketFlags& flags, websocket::Topics& topics) {
  if (flags.redis.empty()) return nullptr;
  const auto colon = flags.redis.rfind(':');
  std::uint16_t port = 0;
  const char* end = flags.redis.data() + flags.redis.size();
  if (colon == std::string::npos || colon == 0 ||
      std::from_chars(flags.redis.data() + colon + 1, end, port).ptr != end || port == 0)
    throw std::runtime_error("--ws-redis: expected HOST:PORT, got '" + flags.redis + "'");
  return std::make_unique<websocket::RedisBroker>(topics, flags.redis.substr(0, colon), port);
}

}  // namespace updraft
