// The client's connections (their buffer and lazy deadline) and the per-loop pool of kept-alive ones and TLS contexts.
#include "core/httpclient/connection_pool.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace updraft::httpclient {

namespace asio = boost::asio;

ClientConnection::ClientConnection(asio::io_context& io, std::string origin_key, asio::ssl::context* tls_context)
    : origin(std::move(origin_key)), timer_(io.get_executor()) {
  if (tls_context) tls = std::make_unique<TlsStream>(io.get_executor(), *tls_context);
  else plain = std::make_unique<Socket>(io.get_executor());
}

void ClientConnection::expire_at(Clock::time_point deadline) {
  deadline_ = deadline;
  timed_out_ = false;
  if (deadline < timer_expiry_) arm_timer(deadline);
}

void ClientConnection::arm_timer(Clock::time_point at) {
  timer_expiry_ = at;
  timer_.expires_at(at);  // cancels a later wait: its handler sees operation_aborted
  timer_.async_wait([weak = weak_from_this(), at](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->timer_expiry_ != at) return;  // re-armed meanwhile, or the connection is gone
    self->timer_expiry_ = Clock::time_point::max();
    if (self->deadline_ == Clock::time_point::max()) return;  // idle: nothing to time
    if (Clock::now() < self->deadline_) return self->arm_timer(self->deadline_);  // a later exchange's deadline
    self->timed_out_ = true;
    boost::system::error_code ignored;
    self->socket().cancel(ignored);
  });
}

void ClientConnection::consume(std::size_t n) {
  begin_ += n;
  if (begin_ == end_) begin_ = end_ = 0;
}

asio::mutable_buffer ClientConnection::room() {
  if (!buffer_) buffer_ = std::make_unique<char[]>(buffer_size);
  if (end_ == buffer_size && begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  return asio::buffer(buffer_.get() + end_, buffer_size - end_);
}

namespace {
constexpr auto kTrustedIdle = std::chrono::seconds(1);

// An idle connection is reusable while the server has neither closed it nor sent anything unasked.
bool still_open(ClientConnection& connection) {
  char byte;
  ssize_t n = ::recv(connection.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}
}  // namespace

std::shared_ptr<ClientConnection> ConnectionPool::take(std::string_view origin, bool can_retry) {
  auto it = idle_.find(origin);
  if (it == idle_.end()) return nullptr;
  auto& connections = it->second;
  auto now = ClientConnection::Clock::now();
  while (!connections.empty()) {
    auto connection = std::move(connections.back());
    connections.pop_back();
    // Answered less than a second ago: a server that closed it since would be rare, and the retry covers it.
    bool trusted = can_retry && now - connection->idle_since < kTrustedIdle;
    if (trusted || still_open(*connection)) return connection;
  }
  return nullptr;
}

void ConnectionPool::give_back(std::shared_ptr<ClientConnection> connection) {
  auto& connections = idle_[connection->origin];
  if (connections.size() >= max_idle_per_origin) return;
  connection->expire_never();
  connection->idle_since = ClientConnection::Clock::now();
  connections.push_back(std::move(connection));
}

asio::ssl::context& ConnectionPool::tls_context(bool validate_cert, const std::string& ca_certs) {
  std::string key = (validate_cert ? "verify:" : "none:") + ca_certs;
  auto& context = tls_contexts_[key];
  if (!context) {
    using Context = asio::ssl::context;
    auto made = std::make_unique<Context>(Context::tls_client);
    if (validate_cert) {
      made->set_verify_mode(asio::ssl::verify_peer);
      if (ca_certs.empty()) made->set_default_verify_paths();
      else made->load_verify_file(ca_certs);
    } else {
      made->set_verify_mode(asio::ssl::verify_none);
    }
    context = std::move(made);
  }
  return *context;
}

void ConnectionPool::shutdown() { idle_.clear(); }

}  // namespace updraft::httpclient
