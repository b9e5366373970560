// updraft: the gunicorn-style command that serves a WSGI app (MODULE:CALLABLE) on the updraft core, optionally with
// native routes from plugins (--native) and native health/metrics endpoints in front of it.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "cli/gunicorn_flags.hpp"
#include "cli/native_plugin.hpp"
#include "cli/wsgi_service.hpp"
#include "core/http/http_server.hpp"
#include "core/net/process.hpp"
#include "native/application.hpp"
#include "native/ops_handlers.hpp"
#include "wsgi/python_runtime.hpp"
#include "wsgi/wsgi_app.hpp"

using namespace updraft;

namespace {
// Native routes served on the loop, in front of the WSGI app.
void add_native_routes(const GunicornFlags& flags, Application& routes) {
  if (!flags.health_path.empty()) routes.add<HealthHandler>(flags.health_path);
  if (!flags.metrics_path.empty()) routes.add<MetricsHandler>(flags.metrics_path);
  for (auto& plugin : flags.native_plugins) load_native_plugin(std::filesystem::absolute(plugin), routes);
}

int serve(const GunicornFlags& flags, py::WsgiApp& app, Application& routes, HTTPServer& server) {
  WsgiService wsgi(app, flags.container_options());
  // A forked worker with too many threads stuck past --timeout drains and exits; the master starts a fresh one.
  std::atomic<bool> recycle{false};
  if (flags.workers > 1) {
    wsgi.container().pool().on_abandon_limit([&] {
      recycle = true;
      server.shutdown();
    });
  }
  routes.set_fallback(wsgi.container());
  server.set_factory(routes);
  int code = server.run();
  wsgi.stop();
  return recycle && code == 0 ? kExitToBeReplaced : code;
}
}  // namespace

int main(int argc, char** argv) {
  GunicornFlags flags;
  CLI::App cli{"updraft: a fast, strict WSGI server (gunicorn's flags)", "updraft"};
  add_gunicorn_flags(cli, flags);
  CLI11_PARSE(cli, argc, argv);
  try {
    apply_gunicorn_log_flags(flags);
    Application routes;
    routes.set_websocket_options(flags.websocket.options);
    auto broker = make_broker(flags.websocket, routes.topics());  // connects in the process that first uses it
    add_native_routes(flags, routes);  // before --chdir: plugin paths are relative to where we started
    py::initialize(flags.runtime);
    py::WsgiApp app(flags.app, flags.identity());
    if (flags.check_config) {
      std::printf("updraft: configuration OK, %s loads\n", flags.app.c_str());
      return 0;
    }
    HTTPServer server(flags.server_options());
    py::ServerIdentity identity = flags.identity();
    identity.server_port = std::to_string(server.bind());  // the real port when bound to port 0
    app.set_identity(identity);
    for (auto& line : server.describe_listeners()) std::printf("updraft listening on %s\n", line.c_str());
    std::fflush(stdout);
    if (flags.workers == 1) return serve(flags, app, routes, server);
    // gunicorn's arbiter: workers forked after binding and restarted whenever they die.
    if (server.start(flags.workers, std::numeric_limits<int>::max(), py::after_fork_child) < 0) return server.run();
    int code = serve(flags, app, routes, server);
    std::fflush(nullptr);
    ::_exit(code);  // a worker leaves the interpreter and the listeners to the master
  } catch (const std::exception& e) {
    std::fprintf(stderr, "updraft: %s\n", e.what());
    return 1;
  }
}
