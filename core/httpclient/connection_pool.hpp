// The client's connections (a TCP socket, or TLS over one, with the bytes read past the last response and a lazily
// armed deadline) and their per-loop pool of kept-alive ones: an Asio service of the loop's io_context, so it lives and
// dies with the loop. For the client's .cpp files only (includes Asio and OpenSSL).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

namespace updraft::httpclient {

// One connection to an origin. Shared: an operation on it keeps it alive (asio::consign) until it completes, even when
// the fetch awaiting it is destroyed.
struct ClientConnection : std::enable_shared_from_this<ClientConnection> {
  using Clock = std::chrono::steady_clock;
  // Bound to the loop's io_context executor: the type-erased any_io_executor would be copied, wrapped and destroyed in
  // every operation.
  using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;
  using TlsStream = boost::asio::ssl::stream<Socket>;
  static constexpr std::size_t buffer_size = 16 * 1024;

  ClientConnection(boost::asio::io_context& io, std::string origin_key, boost::asio::ssl::context* tls_context);

  Socket& socket() { return tls ? tls->next_layer() : *plain; }

  // The deadline of what the connection does now (Clock::time_point::max() while idle). The timer is armed only when
  // no earlier expiry is pending, and re-armed from its handler: an exchange that ends in time costs no timer
  // operation. Past the deadline, the socket's operations are cancelled and timed_out is set.
  void expire_at(Clock::time_point deadline);
  void expire_never() { deadline_ = Clock::time_point::max(); }
  bool timed_out() const { return timed_out_; }

  // The bytes read and not parsed yet; consume() drops the first n of them.
  std::string_view unparsed() const { return {buffer_.get() + begin_, end_ - begin_}; }
  void consume(std::size_t n);
  // Room for the next read after the unparsed bytes (the buffer is allocated on the first read), and its result.
  boost::asio::mutable_buffer room();
  void filled(std::size_t n) { end_ += n; }

  std::string origin;  // scheme://host:port plus the TLS settings: what a reused connection must match
  std::unique_ptr<Socket> plain;
  std::unique_ptr<TlsStream> tls;
  Clock::time_point idle_since{};

 private:
  void arm_timer(Clock::time_point at);
  std::unique_ptr<char[]> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  boost::asio::basic_waitable_timer<Clock, boost::asio::wait_traits<Clock>, boost::asio::io_context::executor_type>
      timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point timer_expiry_ = Clock::time_point::max();  // max: no wait pending
  bool timed_out_ = false;
};

class ConnectionPool : public boost::asio::execution_context::service {
 public:
  static inline boost::asio::execution_context::id id;
  // Idle connections kept per origin; more are closed. As many as a loop's fetches to one origin at once, or each
  // burst of answers closes the surplus and the next burst connects again (8 cost a proxy a third of its fetches).
  static constexpr std::size_t max_idle_per_origin = 64;

  explicit ConnectionPool(boost::asio::execution_context& context) : service(context) {}
  static ConnectionPool& of(boost::asio::io_context& io) { return boost::asio::use_service<ConnectionPool>(io); }

  // An idle connection to origin, or none. Unless the caller can retry on a new connection (an idempotent request),
  // or the connection has been idle for a second or more, it is first checked not to have been closed by the server.
  std::shared_ptr<ClientConnection> take(std::string_view origin, bool can_retry);
  // Keeps a connection whose last response left it reusable.
  void give_back(std::shared_ptr<ClientConnection> connection);
  // The TLS client context for these settings, made once per loop.
  boost::asio::ssl::context& tls_context(bool validate_cert, const std::string& ca_certs);

 private:
  void shutdown() override;

  std::map<std::string, std::vector<std::shared_ptr<ClientConnection>>, std::less<>> idle_;
  std::map<std::string, std::unique_ptr<boost::asio::ssl::context>> tls_contexts_;
};

}  // namespace updraft::httpclient
