// HTTPServer: a TCPServer whose streams are served by the HTTP/1.1 connection, with the options a gunicorn or nginx
// user expects.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/http/delegate.hpp"
#include "core/http/http_context.hpp"
#include "core/http/limits.hpp"
#include "core/http/trusted_proxies.hpp"
#include "core/net/tcp_server.hpp"

namespace updraft {

// Serving behind proxies and load balancers.
struct ProxyOptions {
  // Peers whose X-Forwarded-* and Forwarded headers are believed (gunicorn's --forwarded-allow-ips default).
  TrustedProxies forwarded_allow_ips{"127.0.0.1"};
  // Every connection starts with a PROXY protocol header (v1 or v2) naming the client; one without is closed.
  bool proxy_protocol = false;
};

struct ServerOptions {
  std::string address = "127.0.0.1";  // as gunicorn: every interface only when asked (0.0.0.0)
  std::uint16_t port = 8888;
  std::vector<std::string> binds;  // gunicorn-style; when set, replaces address/port
  int threads = 1;                 // event-loop threads
  // Loop threads run SCHED_BATCH (see TCPServerOptions); false: SCHED_OTHER, preempting.
  bool batch_scheduling = true;
  // A saturated loop starts its keep-alive connections' next reads after its turn (see KeepAliveReads);
  // false: always at once.
  bool defer_keepalive_reads = true;
  Limits limits;
  Timeouts timeouts;
  int access_log_fd = -1;  // -1: no access log; 1: stdout
  std::string access_log_format;  // gunicorn atoms; empty for the default
  ProxyOptions proxy;
  TlsOptions tls;  // with a certfile, every listener speaks TLS (https); the handshake gets timeouts.header
};

class HTTPServer : public TCPServer {
 public:
  explicit HTTPServer(ServerOptions options, HandlerFactory* factory = nullptr);
  HTTPServer(ServerOptions options, HandlerFactory& factory) : HTTPServer(std::move(options), &factory) {}
  ~HTTPServer() override;

  void set_factory(HandlerFactory& factory) { config_.factory = &factory; }
  // Binds the options' addresses (binds, else address:port); returns the first one's port.
  std::uint16_t bind();
  using TCPServer::bind;
  // Binds the options' addresses unless something is bound, then serves (TCPServer::run()).
  int run();

 protected:
  void handle_stream(Stream& stream, std::size_t loop) override;
  void on_loop_start(Loop& loop, std::size_t index) override;
  void on_tick(std::size_t loop) override;
  std::string_view scheme() const override { return options_.tls.enabled() ? "https" : "http"; }

 private:
  ServerOptions options_;
  // Serves a stream with HTTP/1.1 (after its PROXY header, if the listeners expect one).
  void serve_http(Stream& stream, std::size_t loop);

  HttpConfig config_;
  std::vector<std::unique_ptr<HttpContext>> contexts_;  // one per loop
};

}  // namespace updraft
