// gunicorn-compatible flags for the updraft command, with --help examples.
#include "cli/gunicorn_flags.hpp"

#include <fcntl.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "cli/log_files.hpp"
#include "cli/server_flags.hpp"
#include "cli/static_map_flags.hpp"
#include "cli/wsgi_flags.hpp"
#include "core/net/listener.hpp"

namespace updraft {

namespace {
const char* kExamples = R"(
Examples:
  updraft mysite.wsgi:application
  updraft -w 4 --threads 8 -b 0.0.0.0:8000 mysite.wsgi:application
  updraft -b unix:/run/app.sock --chdir /srv/app 'app:create_app()'
  updraft --virtualenv /srv/venv --access-logfile - hello:app
)";

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto comma = s.find(',', start);
    std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}
}  // namespace

void add_gunicorn_flags(CLI::App& app, GunicornFlags& f) {
  app.footer(kExamples);
  app.set_version_flag("-v,--version", kVersion);
  app.add_option("APP_MODULE", f.app, "the WSGI app, MODULE:CALLABLE or MODULE:factory()")->required();
  app.add_option("-b,--bind", f.binds, "address to listen on: HOST:PORT or unix:PATH (repeatable; default 127.0.0.1:8000)");
  app.add_option("-w,--workers", f.workers, "worker processes")->capture_default_str()->check(CLI::Range(1, 256));
  add_wsgi_flags(app, f.wsgi);
  app.add_option("--loops", f.loops, "event-loop threads per process")->capture_default_str()->check(CLI::Range(1, 64));
  add_loop_scheduling_flag(app, f.batch_scheduling);
  add_keepalive_reads_flag(app, f.defer_keepalive_reads);
  app.add_option("--native", f.native_plugins, "a native plugin (.so with UPDRAFT_PLUGIN) whose routes come first");
  app.add_option("--health-path", f.health_path, "serve a native liveness endpoint at this path");
  app.add_option("--metrics-path", f.metrics_path, "serve native Prometheus metrics at this path");
  add_static_map_flag(app, f.static_maps);
  app.add_option("--chdir", f.runtime.chdir, "change to this directory before loading the app");
  app.add_option_function<std::string>(
      "--pythonpath", [&f](const std::string& s) { f.runtime.pythonpath = split_commas(s); },
      "comma-separated directories to add to sys.path");
  app.add_option("--virtualenv", f.runtime.virtualenv, "a virtualenv (made from Debian's python3) to use");
  app.add_flag("!--no-gc-freeze", f.runtime.freeze_loaded,
               "keep the objects the app made as it loaded in the garbage collector's full collections (no gc.freeze())");
  app.add_option("--graceful-timeout", f.graceful_timeout, "seconds to finish in-flight requests on SIGTERM")
      ->capture_default_str();
  app.add_option("--keep-alive", f.keep_alive, "seconds to keep an idle connection open")->capture_default_str();
  app.add_option("--access-logfile", f.access_logfile, "access log file ('-' for stdout; default off)");
  app.add_option("--access-logformat", f.access_logformat, "access log format in gunicorn's %(h)s atoms");
  app.add_option("--error-logfile,--log-file", f.error_logfile, "error log file ('-' for stderr)")->capture_default_str();
  app.add_option("--log-level", f.log_level, "debug, info, warning, error, critical")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warning", "error", "critical"}));
  const CLI::Range head_limit(std::size_t{0}, Limits::max_head_limit);
  app.add_option("--limit-request-line", f.limit_request_line, "longest request line (414 past it; 0: unlimited)")
      ->capture_default_str()
      ->check(head_limit);
  app.add_option("--limit-request-fields", f.limit_request_fields, "most header fields (431 past it; 0: unlimited)")
      ->capture_default_str()
      ->check(head_limit);
  app.add_option("--limit-request-field_size,--limit-request-field-size", f.limit_request_field_size,
                 "largest header field line, its CRLF counted as gunicorn counts it (431 past it; 0: unlimited)")
      ->capture_default_str()
      ->check(head_limit);
  app.add_option("--max-body-size", f.max_body_size, "largest request body in bytes (413 past it)")->capture_default_str();
  app.add_option("--script-name", f.script_name, "SCRIPT_NAME the app is mounted at");
  app.add_flag("--check-config", f.check_config, "load the app, check the configuration, and exit");
  app.add_option("--max-requests", f.max_requests,
                 "requests a worker serves before it is replaced (its replacement starts first; 0: never)")
      ->capture_default_str();
  app.add_option("--max-requests-jitter", f.max_requests_jitter,
                 "each worker's --max-requests is raised by a random 0 to this many")
      ->capture_default_str();
  app.add_flag("--reload", f.reload, "restart the workers when a Python file of the app changes (development)");
  add_websocket_flags(app, f.websocket);  // for the WebSocket routes of --native plugins
  add_proxy_flags(app, f.proxy);
  add_tls_flags(app, f.tls);
}

ServerOptions GunicornFlags::server_options() const {
  ServerOptions o;
  o.binds = binds.empty() ? std::vector<std::string>{"127.0.0.1:8000"} : binds;
  o.threads = loops;
  o.batch_scheduling = batch_scheduling;
  o.defer_keepalive_reads = defer_keepalive_reads;
  // gunicorn's 0 means unlimited.
  auto or_unlimited = [](std::size_t limit) { return limit == 0 ? Limits::max_head_limit : limit; };
  o.limits.max_request_line = or_unlimited(limit_request_line);
  o.limits.max_header_count = or_unlimited(limit_request_fields);
  // gunicorn counts a field line with its CRLF; Limits counts the line alone.
  o.limits.max_header_field_size = limit_request_field_size == 0
                                      ? Limits::max_head_limit
                                      : std::max<std::size_t>(limit_request_field_size, 2) - 2;
  o.limits.max_body_size = max_body_size;
  o.timeouts.idle = Timeouts::seconds(keep_alive);
  o.timeouts.graceful = Timeouts::seconds(graceful_timeout);
  o.access_log_fd = access_log_fd;
  o.access_log_format = access_logformat;
  o.proxy = proxy;
  o.tls = tls;
  return o;
}

WsgiContainerOptions GunicornFlags::with_gunicorn_timeout() {
  WsgiContainerOptions o;
  o.request_timeout = std::chrono::seconds(30);
  return o;
}

py::ServerIdentity GunicornFlags::identity() const {
  py::ServerIdentity id;
  ListenSpec first = ListenSpec::parse(binds.empty() ? "127.0.0.1:8000" : binds.front());
  id.server_name = first.is_unix() ? "localhost" : first.host;
  id.server_port = std::to_string(first.port);
  id.script_name = script_name;
  id.multiprocess = workers > 1;
  return id;
}

void apply_gunicorn_log_flags(GunicornFlags& f) {
  std::shared_ptr<spdlog::logger> logger;
  if (f.error_logfile.empty() || f.error_logfile == "-") logger = spdlog::stderr_logger_mt("updraft");
  else logger = std::make_shared<spdlog::logger>("updraft", descriptor_sink(open_log_file(f.error_logfile, "error log")));
  logger->set_pattern("[%Y-%m-%d %H:%M:%S %z] [%P] [%l] %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(f.log_level == "warning" ? "warn" : f.log_level));
  if (f.access_logfile.empty()) return;
  if (f.access_logfile == "-") {
    f.access_log_fd = 1;
    return;
  }
  f.access_log_fd = open_log_file(f.access_logfile, "access log");
}

}  // namespace updraft
