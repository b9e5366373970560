// Command-line flags shared by every updraft executable: address, threads, limits, timeouts, logs.
#pragma once

#include <chrono>
#include <string>

#include "core/http/http_server.hpp"

namespace CLI {
class App;
}

namespace updraft {

// What --version prints, in every executable.
inline constexpr const char* kVersion = "updraft 0.1.0";

struct ServerFlags {
  ServerOptions server;
  int processes = 1;             // --processes: forked children serving the same sockets (0: one per core)
  std::string access_log;        // "" (off), "-" (stdout) or a path
  std::string log_level = "info";
};

// Registers --port, --address, the loop-threads flag (named loop_threads_flag), --processes (for a server that may
// fork after binding), the limits, the timeouts, the proxy flags and the log flags.
void add_server_flags(CLI::App& app, ServerFlags& flags, const std::string& loop_threads_flag = "--threads",
                      bool may_fork = true);
// Registers a duration in seconds, its default shown as people write it (20, 0.5); zero_allowed: 0 is accepted (it
// means none), else the value must be positive.
void add_seconds_flag(CLI::App& app, const std::string& name, std::chrono::duration<double>& value,
                      const std::string& help, bool zero_allowed = false);
// Registers --loop-scheduling batch|normal (ServerOptions::batch_scheduling).
void add_loop_scheduling_flag(CLI::App& app, bool& batch);
// --dispatch fair|shared: how queued WSGI requests start (WsgiContainerOptions::fair_dispatch).
void add_dispatch_flag(CLI::App& app, bool& fair);
// Registers --keepalive-reads adaptive|immediate (ServerOptions::defer_keepalive_reads).
void add_keepalive_reads_flag(CLI::App& app, bool& defer);
// Registers --forwarded-allow-ips (default: $FORWARDED_ALLOW_IPS, else 127.0.0.1, as gunicorn) and --proxy-protocol.
void add_proxy_flags(CLI::App& app, ProxyOptions& proxy);
// Registers gunicorn's TLS flags: --certfile, --keyfile, --ca-certs, --ciphers, --cert-reqs.
void add_tls_flags(CLI::App& app, TlsOptions& tls);
// Opens the logs and applies the log level; throws std::runtime_error on failure.
void apply_log_flags(ServerFlags& flags);

}  // namespace updraft
