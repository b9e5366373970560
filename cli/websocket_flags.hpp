// Command-line flags for the WebSockets of an executable: message limit, pings, the slow-peer limit and policy.
#pragma once

namespace CLI {
class App;
}

namespace updraft::websocket {
struct ConnectionOptions;
}

namespace updraft {

// Registers --ws-max-message, --ws-ping-interval, --ws-ping-timeout, --ws-max-buffered and --ws-slow-peer.
void add_websocket_flags(CLI::App& app, websocket::ConnectionOptions& options);

}  // namespace updraft
