// The updraft command's flags: gunicorn's names and meanings, mapped onto the server, the pool and the interpreter.
#pragma once

#include <string>
#include <vector>

#include "cli/websocket_flags.hpp"
#include "core/http/http_server.hpp"
#include "wsgi/environ.hpp"
#include "wsgi/python_runtime.hpp"
#include "wsgi/wsgi_container.hpp"

namespace CLI {
class App;
}

namespace updraft {

struct GunicornFlags {
  std::string app;                  // MODULE:CALLABLE
  std::vector<std::string> binds;   // -b/--bind, repeatable
  int workers = 1;                  // -w/--workers: processes
  int loops = 1;                    // --loops: event-loop threads per process
  bool batch_scheduling = true;     // --loop-scheduling
  bool defer_keepalive_reads = true;  // --keepalive-reads adaptive|immediate
  // --threads, --max-queue, -t/--timeout (gunicorn's 30 s), --queue-timeout, --dispatch, the body and spool sizes.
  WsgiContainerOptions wsgi = with_gunicorn_timeout();
  std::vector<std::string> native_plugins;  // --native PATH.so
  std::string health_path;          // native liveness endpoint, e.g. /healthz
  std::string metrics_path;         // native Prometheus endpoint, e.g. /metrics
  std::vector<std::string> static_maps;  // --static-map URL_PREFIX=DIR, repeatable
  py::RuntimeOptions runtime;       // --chdir, --pythonpath, --virtualenv
  double graceful_timeout = 30;
  double keep_alive = 2;
  std::string access_logfile;       // "-" for stdout
  std::string access_logformat;
  std::string error_logfile = "-";
  std::string log_level = "info";
  std::size_t limit_request_line = 4094;
  std::size_t limit_request_fields = 100;
  std::size_t limit_request_field_size = 8190;
  std::uint64_t max_body_size = 100u << 20;
  std::string script_name;          // SCRIPT_NAME prefix
  bool check_config = false;
  int max_requests = 0;             // --max-requests: a worker is replaced after this many (0: never)
  int max_requests_jitter = 0;      // --max-requests-jitter: plus randint(0, J) per worker
  bool reload = false;              // --reload: new workers when a .py file changes
  WebSocketFlags websocket;         // --ws-*: the WebSockets of --native plugins
  ProxyOptions proxy;               // --forwarded-allow-ips, --proxy-protocol
  TlsOptions tls;                   // --certfile, --keyfile, --ca-certs, --ciphers, --cert-reqs

  ServerOptions server_options() const;
  py::ServerIdentity identity() const;
  WsgiContainerOptions container_options() const { return wsgi; }
  static WsgiContainerOptions with_gunicorn_timeout();
  int access_log_fd = -1;
};

void add_gunicorn_flags(CLI::App& app, GunicornFlags& flags);
// Opens the error and access logs; throws std::runtime_error on failure.
void apply_gunicorn_log_flags(GunicornFlags& flags);

}  // namespace updraft
