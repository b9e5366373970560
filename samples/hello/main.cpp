// hello: the native sample; "Hello, World!", a coroutine sleep that never blocks the loop, an echo, and a WebSocket
// echo.
#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "cli/serve.hpp"
#include "cli/server_flags.hpp"
#include "cli/websocket_flags.hpp"
#include "native/application.hpp"
#include "native/websocket_handler.hpp"

using namespace updraft;

struct HelloHandler : RequestHandler {
  void get() {
    set_header("Content-Type", "text/plain");
    write("Hello, World!");
  }
};

struct SleepHandler : RequestHandler {
  Task<> get() {
    std::string ms_text = get_argument("ms", "0");
    long ms = 0;
    auto r = std::from_chars(ms_text.data(), ms_text.data() + ms_text.size(), ms);
    if (r.ec != std::errc() || ms < 0 || ms > 3'600'000) throw HTTPError(400, "bad ms: " + ms_text);
    co_await sleep(std::chrono::milliseconds(ms));
    set_header("Content-Type", "text/plain");
    write("slept " + std::to_string(ms) + " ms");
  }
};

struct EchoHandler : RequestHandler {
  void post() {
    set_header("Content-Type", std::string(header("Content-Type").value_or("application/octet-stream")));
    write(body());
  }
};

// A WebSocket that sends every message back as it came, text or binary.
struct WebSocketEchoHandler : WebSocketHandler {
  void on_message(std::string_view message, bool binary) override { write_message(message, binary); }
};

int main(int argc, char** argv) {
  CLI::App cli{"updraft native sample: GET /, GET /sleep?ms=N, POST /echo, WebSocket /ws/echo"};
  ServerFlags flags;
  flags.server.port = 8888;
  add_server_flags(cli, flags);
  WebSocketFlags websocket_flags;
  websocket_flags.options.deflate.enabled = true;  // /ws/echo compresses when the client offers it
  add_websocket_flags(cli, websocket_flags);
  CLI11_PARSE(cli, argc, argv);
  try {
    apply_log_flags(flags);
    Application app;
    app.set_websocket_options(websocket_flags.options);
    auto broker = make_broker(websocket_flags, app.topics());
    app.add<HelloHandler>("/");
    app.add<SleepHandler>("/sleep");
    app.add<EchoHandler>("/echo");
    app.add<WebSocketEchoHandler>("/ws/echo");
    HTTPServer server(flags.server, app);
    return serve(server, "hello", [&] { server.bind(); }, flags.processes);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hello: %s\n", e.what());
    return 1;
  }
}
