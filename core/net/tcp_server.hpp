// TCPServer: Tornado's TCPServer: accepts connections on one loop per thread (SO_REUSEPORT) and hands each, as a
// Stream, to handle_stream(); started in one of Tornado's three ways, and shut down gracefully on SIGINT/SIGTERM.
//
//   server.listen(8888); return server.run();                     // one process
//   server.bind(8888); server.start(0); return server.run();      // forked: one process per core, supervised
//   server.add_sockets(systemd_sockets()); return server.run();   // sockets made elsewhere
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/net/net_context.hpp"
#include "core/net/tls_options.hpp"

namespace updraft {

class Loop;
class Stream;

struct TCPServerOptions {
  int threads = 1;  // loop threads per process
  // Loop threads run SCHED_BATCH: woken (a message arrived, a worker posted) they do not preempt the thread on their
  // core but run when it blocks or its slice ends, so work crosses in batches. false: SCHED_OTHER.
  bool batch_scheduling = true;
  NetOptions net;
  std::chrono::duration<double> graceful_timeout{30};  // shutdown: how long open streams may take
  TlsOptions tls;  // with a certfile, every listener speaks TLS
  // TLS starts when the protocol calls start_tls() (after a plaintext preamble: a PROXY header), not at accept.
  bool tls_after_preamble = false;
};

class TCPServer {
 public:
  // With TLS options, loads the certificate and key first: std::runtime_error with a one-line reason if they are bad.
  explicit TCPServer(TCPServerOptions options);
  virtual ~TCPServer();
  TCPServer(const TCPServer&) = delete;
  TCPServer& operator=(const TCPServer&) = delete;

  // Opens listening sockets for HOST:PORT, [V6]:PORT or unix:PATH (one per loop thread for TCP); throws
  // std::runtime_error with a clear reason (a unix path another server answers on, or that is not a socket, is
  // refused; a stale socket file is replaced). Returns the port (the real one for port 0). Blocks SIGINT and SIGTERM
  // in the calling thread until run() handles them (no abrupt exit in between). The process that bound a unix socket
  // removes its file when it stops accepting (shutdown, close_listeners, or destruction), if the path still names
  // that file.
  std::uint16_t bind(std::string_view address);
  // address may also be unix:PATH (port unused).
  std::uint16_t bind(std::uint16_t port, const std::string& address = "0.0.0.0");
  // bind() for a server that runs in this process (Tornado's listen()).
  std::uint16_t listen(std::uint16_t port, const std::string& address = "0.0.0.0") { return bind(port, address); }
  // Serves sockets opened elsewhere (bind_sockets(), systemd's LISTEN_FDS); the server owns them from now on.
  // Returns the first one's port (0 for a unix socket).
  std::uint16_t add_sockets(const std::vector<int>& fds);
  // Forks `processes` children (0: one per core) that serve what was bound; the parent supervises them (restarts,
  // graceful SIGTERM) and its run() returns their outcome without serving. Returns the child's task id, or -1 in
  // the parent. in_child runs first in each child (e.g. Python's after-fork hook).
  int start(int processes, int max_restarts = 100, std::function<void()> in_child = {});
  // True in the parent once start() forked: it supervises, and run() serves nothing.
  bool supervising() const;

  // Serves until shutdown() or SIGINT/SIGTERM, then closes the streams gracefully within the graceful timeout.
  // Returns the process exit code.
  int run();
  // Starts a graceful shutdown; safe from any thread.
  void shutdown();
  // Loads the TLS files again (a renewed certificate): connections accepted from now on use them, open ones keep
  // theirs. Throws std::runtime_error, keeping the current ones, if they are bad. No-op without TLS. While serving,
  // SIGHUP does this (a failure is logged); so does each child start() forks (a reload's new children).
  void reload_tls();
  // Closes the listening sockets without serving (a parent process stopping its children), removing the unix socket
  // files this process made.
  void close_listeners();
  // "http://HOST:PORT/" or "unix:PATH" for each address bound.
  std::vector<std::string> describe_listeners() const;
  std::size_t loop_count() const;
  // Loop number `index`, for posting work to it (Loop::post) from any thread while run() serves.
  Loop& loop(std::size_t index);

 protected:
  // A new connection on loop number `loop`: install the protocol with stream.set_handler() (and start it). Called on
  // that loop's thread.
  virtual void handle_stream(Stream& stream, std::size_t loop) = 0;
  // Per-loop protocol state: made on the loop's thread before it accepts anything, dropped after it stopped.
  virtual void on_loop_start(Loop& loop, std::size_t index) {}
  // Every quarter second on each loop (flush buffered logs...).
  virtual void on_tick(std::size_t loop) {}
  // For tls_after_preamble: the stream speaks TLS from now on, with the certificate loop number `loop` serves.
  void start_tls(Stream& stream, std::size_t loop);
  // The scheme listeners are described with.
  virtual std::string_view scheme() const { return "tcp"; }

 private:
  struct LoopWorker;
  struct Impl;
  void serve_loops();
  void loop_drained();
  void shutdown_now();
  std::unique_ptr<Impl> impl_;
};

}  // namespace updraft
