// WebSocket flags: CLI11 options mapped onto websocket::ConnectionOptions.
#include "cli/websocket_flags.hpp"

#include <CLI/CLI.hpp>

#include "core/websocket/websocket_connection.hpp"

namespace updraft {

namespace {
void add_seconds(CLI::App& app, const std::string& name, std::chrono::duration<double>& value,
                 const std::string& what) {
  app.add_option_function<double>(name, [&value](double s) { value = std::chrono::duration<double>(s); }, what)
      ->default_str(std::to_string(value.count()))
      ->check(CLI::NonNegativeNumber);
}
}  // namespace

void add_websocket_flags(CLI::App& app, websocket::ConnectionOptions& options) {
  app.add_option("--ws-max-message", options.frames.max_message_size,
                 "largest WebSocket message in bytes, before or after decompression (closed with 1009 past it)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_seconds(app, "--ws-ping-interval", options.ping_interval,
              "seconds between the pings sent on each WebSocket (0: none)");
  add_seconds(app, "--ws-ping-timeout", options.ping_timeout,
              "seconds a ping may wait for its pong before the WebSocket is closed (0: the greater of 3 intervals "
              "and 30 s)");
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
}

}  // namespace updraft
