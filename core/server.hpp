// Server: opens the listeners, runs one loop per thread (SO_REUSEPORT), shuts down gracefully on SIGINT/SIGTERM.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/delegate.hpp"
#include "core/limits.hpp"

namespace updraft {

struct ServerOptions {
  std::string address = "0.0.0.0";
  std::uint16_t port = 8888;
  std::vector<std::string> binds;  // gunicorn-style; when set, replaces address/port
  int threads = 1;                 // event-loop threads
  // Loop threads run SCHED_BATCH: waking up (a request arrived, a worker posted) they do not preempt the
  // thread on their core (a WSGI worker in Python) but run when it blocks or its slice ends, so requests
  // and responses cross in batches instead of a context switch each. false: SCHED_OTHER, preempting.
  bool batch_scheduling = true;
  // A saturated loop starts its keep-alive connections' next reads after its turn (see KeepAliveReads);
  // false: always at once.
  bool defer_keepalive_reads = true;
  Limits limits;
  Timeouts timeouts;
  int access_log_fd = -1;  // -1: no access log; 1: stdout
  std::string access_log_format;  // gunicorn atoms; empty for the default
};

class Server {
 public:
  explicit Server(ServerOptions options, HandlerFactory* factory = nullptr);
  Server(ServerOptions options, HandlerFactory& factory) : Server(std::move(options), &factory) {}
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void set_factory(HandlerFactory& factory);
  // Opens the listening sockets (before any fork); throws std::runtime_error with a clear
  // reason on failure. Returns the first listener's port (useful with port 0). Blocks SIGINT
  // and SIGTERM in the calling thread until run() handles them (no abrupt exit in between).
  std::uint16_t bind();
  // "http://HOST:PORT/" or "unix:PATH" for each listener.
  std::vector<std::string> describe_listeners() const;
  // Serves until shutdown() or SIGINT/SIGTERM, then drains in-flight requests for up to
  // the graceful timeout. Returns the process exit code.
  int run();
  // Closes the listening sockets without serving (a prefork master stopping its workers).
  void close_listeners();
  // Starts a graceful shutdown; safe from any thread.
  void shutdown();

 private:
  void shutdown_now();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace updraft
