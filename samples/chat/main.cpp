// chat: Tornado's chat demos in C++: a chat room served over a WebSocket (GET /) and by long polling (GET /poll).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <stdexcept>

#include "cli/serve.hpp"
#include "cli/server_flags.hpp"
#include "cli/websocket_flags.hpp"
#include "native/application.hpp"
#include "samples/chat/handlers.hpp"

using namespace updraft;

int main(int argc, char** argv) {
  CLI::App cli{"updraft chat sample: a chat room over a WebSocket (GET /) and by long polling (GET /poll)"};
  ServerFlags flags;
  flags.server.port = 8888;
  add_server_flags(cli, flags, "--threads", /*may_fork=*/false);  // the messages and the pollers live in this process
  WebSocketFlags websocket_flags;
  add_websocket_flags(cli, websocket_flags);
  CLI11_PARSE(cli, argc, argv);
  try {
    if (!websocket_flags.redis.empty())
      throw std::runtime_error("--ws-redis: the chat keeps its messages and pollers in one process");
    apply_log_flags(flags);
    Application app;
    app.set_websocket_options(websocket_flags.options);
    chat::add_chat_routes(app);
    HTTPServer server(flags.server, app);
    return serve(server, "chat", [&] { server.bind(); }, flags.processes);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chat: %s\n", e.what());
    return 1;
  }
}
