// updraft: the gunicorn-style command that serves a WSGI app (MODULE:CALLABLE) on the updraft core, optionally with
// native routes from plugins (--native) and native health/metrics endpoints in front of it; alone, or (-w N,
// --max-requests, --reload) as workers that each load the app under a master, gunicorn's arbiter.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>

#include "cli/code_watcher.hpp"
#include "cli/gunicorn_flags.hpp"
#include "cli/log_files.hpp"
#include "cli/native_plugin.hpp"
#include "cli/static_map_flags.hpp"
#include "cli/wsgi_service.hpp"
#include "core/http/http_server.hpp"
#include "core/net/process.hpp"
#include "core/net/tls_context.hpp"
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
  add_static_maps(flags.static_maps, routes);
  for (auto& plugin : flags.native_plugins) load_native_plugin(std::filesystem::absolute(plugin), routes);
}

// Counts the requests a worker starts; at its limit it asks the master for a replacement (--max-requests), which
// starts before this worker is told to drain.
class RequestBudget : public HandlerFactory {
 public:
  RequestBudget(HandlerFactory& inner, long limit) : inner_(inner), limit_(limit) {}
  std::unique_ptr<RequestDelegate> start_request(const RequestHead& head, ResponseWriter& writer) override {
    if (count_.fetch_add(1, std::memory_order_relaxed) + 1 == limit_) {
      spdlog::info("served {} requests (--max-requests): asking to be replaced", limit_);
      ask_to_be_replaced();
    }
    return inner_.start_request(head, writer);
  }

 private:
  HandlerFactory& inner_;
  long limit_;
  std::atomic<long> count_{0};
};

// gunicorn's: --max-requests plus randint(0, --max-requests-jitter); 0: no limit.
long request_limit(const GunicornFlags& flags) {
  if (flags.max_requests <= 0) return 0;
  std::mt19937 random(std::random_device{}());
  return flags.max_requests + std::uniform_int_distribution<long>(0, std::max(0, flags.max_requests_jitter))(random);
}

int serve(const GunicornFlags& flags, py::WsgiApp& app, Application& routes, HTTPServer& server, bool supervised) {
  WsgiService wsgi(app, flags.container_options());
  // A worker with too many threads stuck past --timeout drains and exits; the master starts a fresh one.
  std::atomic<bool> recycle{false};
  if (supervised) {
    wsgi.container().pool().on_abandon_limit([&] {
      recycle = true;
      server.shutdown();
    });
  }
  routes.set_fallback(wsgi.container());
  RequestBudget budget(routes, request_limit(flags));
  if (flags.max_requests > 0) server.set_factory(budget);
  else server.set_factory(routes);
  int code = server.run();
  wsgi.stop();
  return recycle && code == 0 ? kExitToBeReplaced : code;
}

void print_listeners(const HTTPServer& server) {
  for (auto& line : server.describe_listeners()) std::printf("updraft listening on %s\n", line.c_str());
  std::fflush(stdout);
}

// systemd's sockets when it passed some (LISTEN_FDS, as gunicorn takes them), else the --bind addresses; returns the
// first one's port.
std::uint16_t open_listeners(HTTPServer& server) {
  std::vector<int> inherited = systemd_sockets();
  return inherited.empty() ? server.bind() : server.add_sockets(inherited);
}

// One process: the app loads before anything is bound, so a broken app never holds the port.
int serve_alone(const GunicornFlags& flags, Application& routes) {
  handle_worker_signals(reopen_log_files);
  py::WsgiApp app(flags.app, flags.identity());
  HTTPServer server(flags.server_options());
  py::ServerIdentity identity = flags.identity();
  identity.server_port = std::to_string(open_listeners(server));  // the real port when bound to port 0
  app.set_identity(identity);
  print_listeners(server);
  return serve(flags, app, routes, server, false);
}

// A forked worker: loads the app (the code on disk now: a reload's new code), tells the master it is ready, serves.
int serve_worker(const GunicornFlags& flags, const py::ServerIdentity& identity, Application& routes,
                 HTTPServer& server) {
  std::unique_ptr<py::WsgiApp> app;
  try {
    server.reload_tls();  // a reload's workers serve the certificate on disk now (a bad one: the reload fails)
    app = std::make_unique<py::WsgiApp>(flags.app, identity);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  report_ready();
  return serve(flags, *app, routes, server, true);
}

std::function<bool()> code_watcher(const GunicornFlags& flags) {
  if (!flags.reload) return {};
  std::vector<std::filesystem::path> dirs{std::filesystem::current_path()};  // --chdir's, if given
  for (auto& dir : flags.runtime.pythonpath) dirs.emplace_back(dir);
  auto watcher = std::make_shared<CodeWatcher>(std::move(dirs));
  return [watcher] { return watcher->changed(); };
}

// gunicorn's arbiter: binds, forks workers that each load the app, supervises them (see fork_processes' signals).
int serve_with_master(const GunicornFlags& flags, Application& routes) {
  HTTPServer server(flags.server_options());
  py::ServerIdentity identity = flags.identity();
  identity.server_port = std::to_string(open_listeners(server));
  print_listeners(server);
  ForkOptions o;
  o.processes = flags.workers;
  o.max_restarts = std::numeric_limits<int>::max();
  o.graceful_timeout = std::chrono::duration<double>(flags.graceful_timeout);
  o.on_stop = [&server] { server.close_listeners(); };
  o.in_child = py::after_fork_child;
  o.children_report_ready = true;
  o.reopen_logs = reopen_log_files;
  o.code_changed = code_watcher(flags);
  int code = 0;
  if (!fork_processes(o, code)) return code;
  code = serve_worker(flags, identity, routes, server);
  std::fflush(nullptr);
  ::_exit(code);  // a worker leaves the interpreter and the listeners to the master
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
    if (flags.check_config) {
      if (flags.tls.enabled()) TlsContext::load(flags.tls);  // the certificate and key are part of the configuration
      py::WsgiApp app(flags.app, flags.identity());
      std::printf("updraft: configuration OK, %s loads\n", flags.app.c_str());
      return 0;
    }
    bool master = flags.workers > 1 || flags.max_requests > 0 || flags.reload;
    return master ? serve_with_master(flags, routes) : serve_alone(flags, routes);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "updraft: %s\n", e.what());
    return 1;
  }
}
