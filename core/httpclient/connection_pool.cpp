// The client's per-loop pool of kept-alive connections and TLS contexts.
#include "core/httpclient/connection_pool.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <utility>

namespace updraft::httpclient {

namespace {
// An idle connection is reusable while the server has neither closed it nor sent anything unasked.
bool still_open(ClientConnection& connection) {
  char byte;
  ssize_t n = ::recv(connection.tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}
}  // namespace

std::shared_ptr<ClientConnection> ConnectionPool::take(const std::string& origin) {
  auto it = idle_.find(origin);
  if (it == idle_.end()) return nullptr;
  auto& connections = it->second;
  while (!connections.empty()) {
    auto connection = std::move(connections.back());
    connections.pop_back();
    if (still_open(*connection)) return connection;
  }
  return nullptr;
}

void ConnectionPool::give_back(std::shared_ptr<ClientConnection> connection) {
  auto& connections = idle_[connection->origin];
  if (connections.size() < max_idle_per_origin) connections.push_back(std::move(connection));
}

boost::asio::ssl::context& ConnectionPool::tls_context(bool validate_cert, const std::string& ca_certs) {
  std::string key = (validate_cert ? "verify:" : "none:") + ca_certs;
  auto& context = tls_contexts_[key];
  if (!context) {
    using Context = boost::asio::ssl::context;
    auto made = std::make_unique<Context>(Context::tls_client);
    if (validate_cert) {
      made->set_verify_mode(boost::asio::ssl::verify_peer);
      if (ca_certs.empty()) made->set_default_verify_paths();
      else made->load_verify_file(ca_certs);
    } else {
      made->set_verify_mode(boost::asio::ssl::verify_none);
    }
    context = std::move(made);
  }
  return *context;
}

void ConnectionPool::shutdown() { idle_.clear(); }

}  // namespace updraft::httpclient
