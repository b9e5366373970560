// mixed: native routes and a WSGI app on one port; /native/* is answered natively, everything else by Python.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/serve.hpp"
#include "cli/server_flags.hpp"
#include "cli/wsgi_service.hpp"
#include "native/application.hpp"
#include "native/ops_handlers.hpp"
#include "native/run_in_executor.hpp"
#include "native/websocket_handler.hpp"
#include "wsgi/python_runtime.hpp"

using namespace updraft;

struct HelloHandler : RequestHandler {
  void get() {
    set_header("Content-Type", "text/plain");
    write("Hello, World!");
  }
};

struct SleepHandler : RequestHandler {
  Task get() {
    const long ms = get_argument<long>("ms", 0);
    if (ms < 0 || ms > 3'600'000) throw HTTPError(400, "bad ms: " + std::to_string(ms));
    co_await sleep(std::chrono::milliseconds(ms));
    set_header("Content-Type", "text/plain");
    write("slept " + std::to_string(ms) + " ms");
  }
};

// Blocking work (a stand-in for a synchronous library call) kept off the loop with run_in_executor.
struct BlockingHandler : RequestHandler {
  Task get() {
    long ms = get_argument<long>("ms", 100);
    if (ms < 0 || ms > 60'000) throw HTTPError(400, "bad ms");
    long slept = co_await run_in_executor(loop(), [ms] {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      return ms;
    });
    set_header("Content-Type", "text/plain");
    write("blocked " + std::to_string(slept) + " ms off the loop");
  }
};

// A WebSocket beside the WSGI app: every message comes back as it was sent.
struct WebSocketEchoHandler : WebSocketHandler {
  void on_message(std::string_view message, bool binary) override { write_message(message, binary); }
};

int main(int argc, char** argv) {
  CLI::App cli{"updraft mixed sample: native /native/* routes beside a WSGI app on one port"};
  ServerFlags flags;
  flags.server.port = 8000;
  add_server_flags(cli, flags, /*loop_threads_flag=*/"--loops", /*may_fork=*/false);  // its WSGI threads run already
  std::string app_spec;
  py::RuntimeOptions runtime;
  WsgiContainerOptions wsgi;
  double timeout = 30, queue_timeout = 10;
  cli.add_option("APP_MODULE", app_spec, "the WSGI app, MODULE:CALLABLE")->required();
  cli.add_option("--threads", wsgi.threads, "WSGI worker threads")->capture_default_str();
  cli.add_option("--max-queue", wsgi.max_queue, "requests waiting for a WSGI thread before 503")->capture_default_str();
  add_dispatch_flag(cli, wsgi.fair_dispatch);
  cli.add_option("--queue-timeout", queue_timeout, "seconds waiting for a WSGI thread before 503")->capture_default_str();
  cli.add_option("--timeout", timeout, "seconds a WSGI request may run before 504 (0: none)")->capture_default_str();
  cli.add_option("--chdir", runtime.chdir, "directory to load the app from");
  CLI11_PARSE(cli, argc, argv);
  wsgi.request_timeout = std::chrono::duration<double>(timeout);
  wsgi.queue_timeout = std::chrono::duration<double>(queue_timeout);
  try {
    apply_log_flags(flags);
    py::initialize(runtime);
    py::ServerIdentity identity;
    identity.server_name = flags.server.address;
    identity.server_port = std::to_string(flags.server.port);
    py::WsgiApp app(app_spec, identity);
    WsgiService service(app, wsgi);
    Application routes;
    routes.add<HelloHandler>("/native/hello");
    routes.add<SleepHandler>("/native/sleep");
    routes.add<BlockingHandler>("/native/blocking");
    routes.add<WebSocketEchoHandler>("/native/ws/echo");
    routes.add<HealthHandler>("/native/health");
    routes.add<MetricsHandler>("/native/metrics");
    routes.set_fallback(service.container());
    HTTPServer server(flags.server, routes);
    int code = serve(server, "mixed", [&] { server.bind(); }, 1);
    service.stop();
    return code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mixed: %s\n", e.what());
    return 1;
  }
}
