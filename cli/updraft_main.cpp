// updraft: the gunicorn-style command that serves a WSGI app (MODULE:CALLABLE) on the updraft core.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "cli/gunicorn_flags.hpp"
#include "cli/prefork.hpp"
#include "core/server.hpp"
#include "wsgi/python_runtime.hpp"
#include "wsgi/wsgi_app.hpp"
#include "wsgi/wsgi_container.hpp"

using namespace updraft;

namespace {
int serve(GunicornFlags& flags, py::WsgiApp& app, Server& server) {
  WsgiContainer container(flags.threads, flags.max_queue, [&app](const auto& ex) { app.handle(ex); });
  server.set_factory(container);
  int code = server.run();
  container.pool().stop();
  return code;
}
}  // namespace

int main(int argc, char** argv) {
  GunicornFlags flags;
  CLI::App cli{"updraft: a fast, strict WSGI server (gunicorn's flags)", "updraft"};
  add_gunicorn_flags(cli, flags);
  CLI11_PARSE(cli, argc, argv);
  try {
    apply_gunicorn_log_flags(flags);
    py::initialize(flags.runtime);
    py::WsgiApp app(flags.app, flags.identity());
    if (flags.check_config) {
      std::printf("updraft: configuration OK, %s loads\n", flags.app.c_str());
      return 0;
    }
    Server server(flags.server_options());
    py::ServerIdentity identity = flags.identity();
    identity.server_port = std::to_string(server.bind());  // the real port when bound to port 0
    app.set_identity(identity);
    for (auto& line : server.describe_listeners()) std::printf("updraft listening on %s\n", line.c_str());
    std::fflush(stdout);
    int code;
    if (flags.workers > 1) {
      code = run_prefork(flags.workers, std::chrono::duration<double>(flags.graceful_timeout), [&] {
        py::after_fork_child();
        return serve(flags, app, server);
      });
    } else {
      code = serve(flags, app, server);
    }
    return code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "updraft: %s\n", e.what());
    return 1;
  }
}
