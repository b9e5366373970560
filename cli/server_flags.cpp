// Server flags: CLI11 options mapped onto ServerOptions, plus log set-up.
#include "cli/server_flags.hpp"

#include <fcntl.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace updraft {

namespace {
const CLI::Range kHeadLimitRange(std::size_t{1}, Limits::max_head_limit);

// An option with two values, stored as a bool: true for `on`, false for `off`.
void add_two_way(CLI::App& app, const std::string& name, bool& value, const std::string& on, const std::string& off,
                 const std::string& help) {
  app.add_option_function<std::string>(name, [&value, on](const std::string& v) { value = v == on; }, help)
      ->default_str(value ? on : off)
      ->check(CLI::IsMember({on, off}));
}
}  // namespace

void add_seconds_flag(CLI::App& app, const std::string& name, std::chrono::duration<double>& value,
                      const std::string& help, bool zero_allowed) {
  char text[32];
  auto end = std::to_chars(text, text + sizeof text, value.count()).ptr;  // shortest: 20, not 20.000000
  app.add_option_function<double>(name, [&value](double s) { value = std::chrono::duration<double>(s); }, help)
      ->default_str(std::string(text, end))
      ->check(zero_allowed ? CLI::NonNegativeNumber : CLI::PositiveNumber);
}

void add_loop_scheduling_flag(CLI::App& app, bool& batch) {
  add_two_way(app, "--loop-scheduling", batch, "batch", "normal",
              "batch: loop threads wake without preempting a busy thread on their core (requests cross to WSGI "
              "workers in batches); normal: they preempt it");
}

void add_dispatch_flag(CLI::App& app, bool& fair) {
  add_two_way(app, "--dispatch", fair, "fair", "shared",
              "fair: a queued WSGI request starts Python only while the running ones wait on I/O, so CPU-bound "
              "requests run one at a time in arrival order; shared: every free thread starts one at once and they "
              "take turns on the GIL");
}

void add_keepalive_reads_flag(CLI::App& app, bool& defer) {
  add_two_way(app, "--keepalive-reads", defer, "adaptive", "immediate",
              "adaptive: a saturated loop reads its keep-alive connections' next requests after its turn, when "
              "they have usually arrived (one system call instead of two); immediate: always right after the "
              "response");
}

void add_proxy_flags(CLI::App& app, ProxyOptions& proxy) {
  const CLI::Validator trusted_list(
      [](std::string& list) {
        try {
          TrustedProxies{list};
          return std::string();
        } catch (const std::invalid_argument& e) {
          return std::string(e.what());
        }
      },
      "");
  app.add_option_function<std::string>(
         "--forwarded-allow-ips",
         [&proxy](const std::string& list) { proxy.forwarded_allow_ips = TrustedProxies(list); },
         "comma-separated IPs and CIDR blocks of the proxies whose X-Forwarded-For/-Proto/-Host and Forwarded "
         "headers are believed ('*': any peer)")
      ->type_name("IPS")
      ->default_str(proxy.forwarded_allow_ips.text())
      ->envname("FORWARDED_ALLOW_IPS")
      ->check(trusted_list);
  app.add_flag("--proxy-protocol", proxy.proxy_protocol,
               "every connection starts with a PROXY protocol header (v1 or v2) naming the client; one without is "
               "closed");
}

void add_tls_flags(CLI::App& app, TlsOptions& tls) {
  app.add_option("--certfile", tls.certfile, "PEM certificate (chain): every listener speaks TLS 1.2+ (https)")
      ->type_name("FILE");
  app.add_option("--keyfile", tls.keyfile, "PEM private key of --certfile (default: in --certfile)")->type_name("FILE");
  app.add_option("--ca-certs", tls.ca_certs, "PEM CA certificates that client certificates are checked against")
      ->type_name("FILE");
  app.add_option("--ciphers", tls.ciphers, "OpenSSL cipher list for TLS 1.2 (default: OpenSSL's)")
      ->type_name("LIST");
  app.add_option("--cert-reqs", tls.cert_reqs,
                 "client certificates: 0 not asked for, 1 checked if sent, 2 required (with --ca-certs)")
      ->capture_default_str()
      ->check(CLI::Range(0, 2));
}

void add_server_flags(CLI::App& app, ServerFlags& flags, const std::string& loop_threads_flag, bool may_fork) {
  ServerOptions& o = flags.server;
  app.set_version_flag("-v,--version", kVersion);
  app.add_option("--address", o.address, "address to listen on (0.0.0.0: every interface)")->capture_default_str();
  app.add_option("-p,--port", o.port, "port to listen on (0 picks a free one)")->capture_default_str();
  app.add_option(loop_threads_flag, o.threads, "event-loop threads sharing the port")->capture_default_str()->check(
      CLI::Range(1, 256));
  if (may_fork)
    app.add_option("--processes", flags.processes,
                   "processes serving the port, forked after binding and restarted if they die (0: one per core)")
        ->capture_default_str()
        ->check(CLI::Range(0, 256));
  add_loop_scheduling_flag(app, o.batch_scheduling);
  add_keepalive_reads_flag(app, o.defer_keepalive_reads);
  app.add_option("--max-request-line", o.limits.max_request_line, "longest request line (414 past it)")
      ->capture_default_str()->check(kHeadLimitRange);
  app.add_option("--max-header-count", o.limits.max_header_count, "most header fields (431 past it)")
      ->capture_default_str()->check(kHeadLimitRange);
  app.add_option("--max-header-field-size", o.limits.max_header_field_size, "largest header field (431 past it)")
      ->capture_default_str()->check(kHeadLimitRange);
  app.add_option("--max-header-bytes", o.limits.max_header_bytes, "all header fields together (431 past it)")
      ->capture_default_str()->check(kHeadLimitRange);
  app.add_option("--max-body-size", o.limits.max_body_size, "largest request body in bytes (413 past it)")
      ->capture_default_str();
  add_seconds_flag(app, "--header-timeout", o.timeouts.header, "seconds allowed to receive a request head");
  add_seconds_flag(app, "--body-timeout", o.timeouts.body, "longest pause in seconds while receiving a body");
  add_seconds_flag(app, "--idle-timeout", o.timeouts.idle, "seconds an idle keep-alive connection stays open");
  add_seconds_flag(app, "--write-timeout", o.timeouts.write, "longest pause in seconds while the client takes a response");
  add_seconds_flag(app, "--graceful-timeout", o.timeouts.graceful, "on SIGTERM/SIGINT, seconds for in-flight requests");
  add_proxy_flags(app, o.proxy);
  add_tls_flags(app, o.tls);
  app.add_option("--access-log", flags.access_log, "access log: '-' for stdout or a file path (default off)");
  app.add_option("--access-logformat", o.access_log_format,
                 "access log format in gunicorn's %(h)s atoms (default: gunicorn's; %(D)s adds the microseconds)");
  app.add_option("--log-level", flags.log_level, "error log level: debug, info, warning, error, critical")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warning", "error", "critical"}));
}

void apply_log_flags(ServerFlags& flags) {
  auto logger = spdlog::stderr_logger_mt("updraft");
  logger->set_pattern("[%Y-%m-%d %H:%M:%S %z] [%P] [%l] %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(flags.log_level == "warning" ? "warn" : flags.log_level));
  if (flags.access_log.empty()) {
    flags.server.access_log_fd = -1;
  } else if (flags.access_log == "-") {
    flags.server.access_log_fd = 1;
  } else {
    int fd = ::open(flags.access_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot open access log " + flags.access_log + ": " + std::strerror(errno));
    flags.server.access_log_fd = fd;
  }
}

}  // namespace updraft
