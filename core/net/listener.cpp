// Listeners: BSD sockets opened before any loop (or fork) exists, so workers can inherit them.
#include "core/net/listener.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace updraft {

ListenSpec ListenSpec::parse(std::string_view bind) {
  ListenSpec spec;
  if (bind.substr(0, 5) == "unix:") {
    spec.unix_path = std::string(bind.substr(5));
    if (spec.unix_path.empty()) throw std::invalid_argument("empty unix socket path in '" + std::string(bind) + "'");
    return spec;
  }
  auto colon = bind.rfind(':');
  std::string_view host = colon == std::string_view::npos ? bind : bind.substr(0, colon);
  std::string_view port = colon == std::string_view::npos ? std::string_view("8000") : bind.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  spec.host = host.empty() ? "0.0.0.0" : std::string(host);
  unsigned value = 0;
  auto r = std::from_chars(port.data(), port.data() + port.size(), value);
  if (r.ec != std::errc() || r.ptr != port.data() + port.size() || value > 65535)
    throw std::invalid_argument("bad port in bind address '" + std::string(bind) + "'");
  spec.port = static_cast<std::uint16_t>(value);
  return spec;
}

std::string ListenSpec::describe(std::string_view scheme) const {
  if (is_unix()) return "unix:" + unix_path;
  bool v6 = host.find(':') != std::string::npos;
  return std::string(scheme) + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/";
}

ListenSpec describe_socket(int fd) {
  ListenSpec spec;
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  int listening = 0;
  socklen_t flag_len = sizeof listening;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &flag_len) != 0 || !listening)
    throw std::runtime_error("descriptor " + std::to_string(fd) + " is not a listening socket");
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in4->sin_addr, text, sizeof text);
    spec.port = ntohs(in4->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    spec.port = ntohs(in6->sin6_port);
  } else if (addr.ss_family == AF_UNIX) {
    spec.unix_path = reinterpret_cast<sockaddr_un*>(&addr)->sun_path;
    if (spec.unix_path.empty()) spec.unix_path = "(unnamed)";
    return spec;
  }
  spec.host = text;
  return spec;
}

namespace {
[[noreturn]] void fail(const ListenSpec& spec, const char* what, int fd) {
  int err = errno;
  if (fd >= 0) ::close(fd);
  std::string where = spec.is_unix() ? spec.unix_path : spec.host + ":" + std::to_string(spec.port);
  throw std::runtime_error(std::string("cannot listen on ") + where + ": " + what + ": " + std::strerror(err));
}

std::runtime_error unix_path_error(const std::string& path, const std::string& why) {
  return std::runtime_error("unix:" + path + ": " + why);
}

// The socket file at path now, if path names a socket.
std::optional<SocketFile> socket_file_at(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return std::nullopt;
  return SocketFile{st.st_dev, st.st_ino};
}

// Whether a server answers on the unix socket at addr: a non-blocking connect is accepted or finds the backlog
// full. Throws when it cannot tell (no permission, a socket of another type).
bool server_answers(const std::string& path, const sockaddr_un& addr) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw unix_path_error(path, std::string("socket: ") + std::strerror(errno));
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  int err = errno;
  ::close(fd);
  if (rc == 0 || err == EAGAIN) return true;
  if (err == ECONNREFUSED || err == ENOENT) return false;
  throw unix_path_error(path, std::string("cannot tell whether a server answers there: ") + std::strerror(err));
}

// Makes way for binding a unix socket at addr: nothing is there, or a stale socket file, which is removed. Refuses
// a path a server answers on, and anything that is not a socket.
void claim_unix_path(const std::string& path, const sockaddr_un& addr) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw unix_path_error(path, std::strerror(errno));
  }
  if (!S_ISSOCK(st.st_mode)) throw unix_path_error(path, "exists and is not a socket (not replacing it)");
  if (server_answers(path, addr)) throw unix_path_error(path, "another server is listening there");
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    throw unix_path_error(path, std::string("cannot remove the stale socket file: ") + std::strerror(errno));
}
}  // namespace

int open_listener(ListenSpec& spec, bool reuse_port) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family;
  if (spec.is_unix()) {
    auto* un = reinterpret_cast<sockaddr_un*>(&addr);
    if (spec.unix_path.size() >= sizeof un->sun_path)
      throw std::runtime_error("unix socket path too long: " + spec.unix_path);
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, spec.unix_path.c_str(), spec.unix_path.size() + 1);
    len = sizeof(sockaddr_un);
    family = AF_UNIX;
    claim_unix_path(spec.unix_path, *un);
  } else if (auto* in4 = reinterpret_cast<sockaddr_in*>(&addr); inet_pton(AF_INET, spec.host.c_str(), &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(spec.port);
    len = sizeof(sockaddr_in);
    family = AF_INET;
  } else if (auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr); inet_pton(AF_INET6, spec.host.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(spec.port);
    len = sizeof(sockaddr_in6);
    family = AF_INET6;
  } else {
    throw std::runtime_error("invalid listen address '" + spec.host + "' (use an IP address)");
  }
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(spec, "socket", -1);
  int one = 1;
  if (!spec.is_unix()) {
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuse_port) ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) fail(spec, "bind", fd);
  if (spec.is_unix()) spec.unix_file = socket_file_at(spec.unix_path);
  if (::listen(fd, SOMAXCONN) != 0) fail(spec, "listen", fd);
  if (!spec.is_unix() && spec.port == 0) {
    sockaddr_storage bound{};
    socklen_t bound_len = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
    spec.port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                        : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  }
  return fd;
}

void remove_socket_file(const ListenSpec& spec) {
  if (spec.unix_file && socket_file_at(spec.unix_path) == spec.unix_file) ::unlink(spec.unix_path.c_str());
}

}  // namespace updraft
