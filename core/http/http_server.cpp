// HTTPServer: per-loop HTTP state, and an Http1Connection for each accepted stream.
#include "core/http/http_server.hpp"

#include <stdexcept>

#include "core/http/http1_connection.hpp"
#include "core/net/stream.hpp"
#include "core/proxy/proxy_protocol_reader.hpp"

namespace updraft {

namespace {
TCPServerOptions tcp_options(const ServerOptions& o) {
  TCPServerOptions t;
  t.threads = o.threads;
  t.batch_scheduling = o.batch_scheduling;
  t.net.write_timeout = o.timeouts.write;
  t.net.defer_keepalive_reads = o.defer_keepalive_reads;
  t.graceful_timeout = o.timeouts.graceful;
  t.tls = o.tls;
  t.tls.handshake_timeout = o.timeouts.header;  // like the head it precedes: a slow client holds no connection
  t.tls_after_preamble = o.proxy.proxy_protocol;  // the PROXY header comes before the TLS handshake
  return t;
}
}  // namespace

HTTPServer::HTTPServer(ServerOptions options, HandlerFactory* factory)
    : TCPServer(tcp_options(options)), options_(std::move(options)) {
  config_.limits = options_.limits;
  config_.timeouts = options_.timeouts;
  config_.factory = factory;
  config_.access_log_fd = options_.access_log_fd;
  config_.trusted_proxies = options_.proxy.forwarded_allow_ips;
  if (!options_.access_log_format.empty()) config_.access_log_format = options_.access_log_format;
  AccessLog check(-1, config_.access_log_format);  // a bad format fails here, not in a loop thread
  contexts_.resize(loop_count());
}

HTTPServer::~HTTPServer() = default;

std::uint16_t HTTPServer::bind() {
  if (options_.binds.empty()) return TCPServer::bind(options_.port, options_.address);
  std::uint16_t first = 0;
  for (std::size_t i = 0; i < options_.binds.size(); ++i) {
    std::uint16_t port = TCPServer::bind(options_.binds[i]);
    if (i == 0) first = port;
  }
  return first;
}

int HTTPServer::run() {
  if (supervising()) return TCPServer::run();
  if (!config_.factory) throw std::logic_error("HTTPServer::run() without a handler factory");
  if (describe_listeners().empty()) bind();
  return TCPServer::run();
}

void HTTPServer::on_loop_start(Loop& loop, std::size_t index) {
  contexts_[index] = std::make_unique<HttpContext>(loop, config_);
}

void HTTPServer::handle_stream(Stream& stream, std::size_t loop) {
  if (!options_.proxy.proxy_protocol) return serve_http(stream, loop);
  auto reader = std::make_unique<ProxyProtocolReader>([this, loop](Stream& s) {
    start_tls(s, loop);
    serve_http(s, loop);
  });
  ProxyProtocolReader& proxy = *reader;
  stream.set_handler(std::move(reader));
  proxy.start(stream, options_.timeouts.header);
}

void HTTPServer::serve_http(Stream& stream, std::size_t loop) {
  auto connection = std::make_unique<Http1Connection>(*contexts_[loop], stream);
  Http1Connection& http = *connection;
  stream.set_handler(std::move(connection));
  http.start();
}

void HTTPServer::on_tick(std::size_t loop) { contexts_[loop]->access_log.flush(); }

}  // namespace updraft
