// The client's connections (Beast streams, TCP or TLS) and their per-loop pool of kept-alive ones: an Asio service of
// the loop's io_context, so it lives and dies with the loop. For the client's .cpp files only (includes Beast).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace updraft::httpclient {

// One connection to an origin: a TCP stream, or a TLS stream over one; the bytes read past the last response. Shared:
// an operation on it keeps it alive (asio::consign) until it completes, even when the fetch awaiting it is destroyed.
struct ClientConnection {
  // Bound to the loop's io_context executor: Beast's default, the type-erased any_io_executor, is copied, wrapped and
  // destroyed in every operation (about 4% of a proxied fetch's instructions, bench/proxy_hop.sh).
  using TcpStream = boost::beast::basic_stream<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;
  using TlsStream = boost::beast::ssl_stream<TcpStream>;

  std::string origin;  // scheme://host:port plus the TLS settings: what a reused connection must match
  std::unique_ptr<TcpStream> plain;
  std::unique_ptr<TlsStream> tls;
  boost::beast::flat_buffer buffer;
  TcpStream& tcp() { return tls ? boost::beast::get_lowest_layer(*tls) : *plain; }
};

class ConnectionPool : public boost::asio::execution_context::service {
 public:
  static inline boost::asio::execution_context::id id;
  // Idle connections kept per origin; more are closed. As many as a loop's fetches to one origin at once, or each
  // burst of answers closes the surplus and the next burst connects again (8 cost a proxy a third of its fetches).
  static constexpr std::size_t max_idle_per_origin = 64;

  explicit ConnectionPool(boost::asio::execution_context& context) : service(context) {}
  static ConnectionPool& of(boost::asio::io_context& io) { return boost::asio::use_service<ConnectionPool>(io); }

  // An idle connection to origin that the server has not closed meanwhile, or none.
  std::shared_ptr<ClientConnection> take(const std::string& origin);
  // Keeps a connection whose last response left it reusable.
  void give_back(std::shared_ptr<ClientConnection> connection);
  // The TLS client context for these settings, made once per loop.
  boost::asio::ssl::context& tls_context(bool validate_cert, const std::string& ca_certs);

 private:
  void shutdown() override;

  std::map<std::string, std::vector<std::shared_ptr<ClientConnection>>> idle_;
  std::map<std::string, std::unique_ptr<boost::asio::ssl::context>> tls_contexts_;
};

}  // namespace updraft::httpclient
