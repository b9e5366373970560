// mixed: native routes and a WSGI app on one port; /native/* is answered natively, everything else by Python. With
// --pg, /native/notes.json reads the Django sample's notes from PostgreSQL on the loop.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include "cli/serve.hpp"
#include "cli/gunicorn_flags.hpp"
#include "cli/server_flags.hpp"
#include "cli/static_map_flags.hpp"
#include "cli/wsgi_flags.hpp"
#include "cli/wsgi_service.hpp"
#include "native/application.hpp"
#include "native/ops_handlers.hpp"
#include "native/run_in_executor.hpp"
#include "native/websocket_handler.hpp"
#include "samples/mixed/notes_json.hpp"
#include "wsgi/python_runtime.hpp"

using namespace updraft;

struct HelloHandler : RequestHandler {
  void get() {
    set_header("Content-Type", "text/plain");
    write("Hello, World!");
  }
};

struct SleepHandler : RequestHandler {
  Task<> get() {
    const long ms = get_argument<long>("ms", 0);
    if (ms < 0 || ms > 3'600'000) throw HTTPError(400, "bad ms: " + std::to_string(ms));
    co_await sleep(std::chrono::milliseconds(ms));
    set_header("Content-Type", "text/plain");
    write("slept " + std::to_string(ms) + " ms");
  }
};

// Blocking work (a stand-in for a synchronous library call) kept off the loop with run_in_executor.
struct BlockingHandler : RequestHandler {
  Task<> get() {
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
  WsgiContainerOptions wsgi = GunicornFlags::with_gunicorn_timeout();
  cli.add_option("APP_MODULE", app_spec, "the WSGI app, MODULE:CALLABLE")->required();
  add_wsgi_flags(cli, wsgi);
  cli.add_option("--chdir", runtime.chdir, "directory to load the app from");
  std::vector<std::string> static_maps;
  add_static_map_flag(cli, static_maps);
  std::optional<std::string> pg_conninfo;
  pg::PoolOptions pg_options;
  cli.add_option("--pg", pg_conninfo,
                 "serve GET /native/notes.json from the Django sample's notes in this PostgreSQL database: a libpq "
                 "connection string or URI ('dbname=notes'; libpq's PG* variables fill in the rest)");
  cli.add_option("--pg-connections", pg_options.max_connections, "PostgreSQL connections per loop thread")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  CLI11_PARSE(cli, argc, argv);
  try {
    apply_log_flags(flags);
    Application routes;
    add_static_maps(static_maps, routes);  // before --chdir: relative directories are where we started
    py::initialize(runtime);
    py::ServerIdentity identity;
    identity.server_name = flags.server.address;
    identity.server_port = std::to_string(flags.server.port);
    py::WsgiApp app(app_spec, identity);
    WsgiService service(app, wsgi);
    routes.add<HelloHandler>("/native/hello");
    routes.add<SleepHandler>("/native/sleep");
    routes.add<BlockingHandler>("/native/blocking");
    routes.add<WebSocketEchoHandler>("/native/ws/echo");
    routes.add<HealthHandler>("/native/health");
    routes.add<MetricsHandler>("/native/metrics");
    routes.set_fallback(service.container());
    std::optional<pg::Database> notes_database;
    if (pg_conninfo) {
      pg_options.conninfo = *pg_conninfo;
      add_notes_json_route(routes, "/native/notes.json", notes_database.emplace(pg_options));
    }
    HTTPServer server(flags.server, routes);
    int code = serve(server, "mixed", [&] { server.bind(); }, 1);
    service.stop();
    return code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mixed: %s\n", e.what());
    return 1;
  }
}
