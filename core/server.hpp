// Server: binds the listeners, runs one loop per thread (SO_REUSEPORT), shuts down gracefully on SIGINT/SIGTERM.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/delegate.hpp"
#include "core/limits.hpp"

namespace updraft {

struct ServerOptions {
  std::string address = "0.0.0.0";
  std::uint16_t port = 8888;
  int threads = 1;
  Limits limits;
  Timeouts timeouts;
  int access_log_fd = -1;  // -1: no access log; 1: stdout
};

class Server {
 public:
  Server(ServerOptions options, HandlerFactory& factory);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the listening sockets; throws std::runtime_error with a clear reason on failure.
  // Returns the bound port (useful with port 0).
  std::uint16_t bind();
  // Serves until shutdown() or SIGINT/SIGTERM, then drains in-flight requests for up to
  // the graceful timeout. Returns the process exit code.
  int run();
  // Starts a graceful shutdown; safe from any thread.
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace updraft
