// AppTestFixture: the server's thread, and a small blocking HTTP/1.1 client that reads one response to its close.
#include "tests/support/app_test_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <stdexcept>

#include "core/http/headers.hpp"

namespace updraft::testing {

namespace {
using Clock = std::chrono::steady_clock;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) throw std::runtime_error("fetch: no complete answer before the timeout");
  return static_cast<int>(left);
}

void wait_for(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  while (::poll(&p, 1, remaining_ms(deadline)) == 0) {
  }
}

void send_all(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    wait_for(fd, POLLOUT, deadline);
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return;  // the server answered early and closed: its answer is still there to read
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string receive_to_close(int fd, Clock::time_point deadline) {
  std::string in;
  char buffer[16384];
  for (;;) {
    wait_for(fd, POLLIN, deadline);
    ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return in;  // closed (or reset after the answer)
    in.append(buffer, static_cast<std::size_t>(n));
  }
}

std::string dechunk(std::string_view body) {
  std::string out;
  for (;;) {
    auto line_end = body.find("\r\n");
    if (line_end == std::string_view::npos) throw std::runtime_error("fetch: a chunked body cut short");
    std::size_t size = std::stoul(std::string(body.substr(0, line_end)), nullptr, 16);
    body.remove_prefix(line_end + 2);
    if (size == 0) return out;
    if (body.size() < size + 2) throw std::runtime_error("fetch: a chunk cut short");
    out.append(body.substr(0, size));
    body.remove_prefix(size + 2);
  }
}

FetchResponse parse_response(std::string_view in) {
  auto head_end = in.find("\r\n\r\n");
  if (in.substr(0, 5) != "HTTP/" || head_end == std::string_view::npos)
    throw std::runtime_error("fetch: not an HTTP response: " + std::string(in.substr(0, 200)));
  FetchResponse response;
  std::string_view head = in.substr(0, head_end + 2);
  auto line_end = head.find("\r\n");
  response.status = std::stoi(std::string(head.substr(9, 3)));
  head.remove_prefix(line_end + 2);
  bool chunked = false;
  while (!head.empty()) {
    line_end = head.find("\r\n");
    std::string_view line = head.substr(0, line_end);
    head.remove_prefix(line_end + 2);
    auto colon = line.find(':');
    std::string name(line.substr(0, colon));
    std::string value(trim_ows(line.substr(colon + 1)));
    if (iequals(name, "transfer-encoding") && iequals(value, "chunked")) chunked = true;
    response.headers.emplace_back(std::move(name), std::move(value));
  }
  std::string_view body = in.substr(head_end + 4);
  if (chunked) response.body = dechunk(body);
  else if (auto length = response.header("content-length")) response.body = body.substr(0, std::stoul(*length));
  else response.body = body;
  return response;
}
}  // namespace

std::optional<std::string> FetchResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return value;
  return std::nullopt;
}

AppTestFixture::AppTestFixture() {
  options.address = "127.0.0.1";
  options.port = 0;
  options.timeouts.graceful = std::chrono::seconds(2);
}

AppTestFixture::~AppTestFixture() {
  if (!server_) return;
  server_->shutdown();
  thread_.join();
}

void AppTestFixture::start() {
  if (server_) return;
  server_ = std::make_unique<HTTPServer>(options, app);
  std::promise<std::uint16_t> bound;
  auto port = bound.get_future();
  // bind() and run() on the loop thread: bind() blocks SIGINT and SIGTERM in its thread until run() handles them,
  // and the test's thread keeps its signals.
  thread_ = std::thread([this, &bound] {
    try {
      bound.set_value(server_->bind());
    } catch (...) {
      bound.set_exception(std::current_exception());
      return;
    }
    server_->run();
  });
  try {
    port_ = port.get();
  } catch (...) {
    thread_.join();
    server_.reset();
    throw;
  }
}

int AppTestFixture::connect() {
  start();
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port_);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    int error = errno;
    ::close(fd);
    throw std::runtime_error(std::string("connect: ") + std::strerror(error));
  }
  return fd;
}

FetchResponse AppTestFixture::fetch(std::string_view path, const FetchOptions& fetch_options) {
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(fetch_options.timeout_seconds));
  Socket socket(connect());
  std::string request = fetch_options.method + " " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1:" +
                        std::to_string(port_) + "\r\nConnection: close\r\n";
  for (const auto& [name, value] : fetch_options.headers)
    request.append(name).append(": ").append(value).append("\r\n");
  if (fetch_options.body) request.append("Content-Length: " + std::to_string(fetch_options.body->size()) + "\r\n");
  request.append("\r\n");
  if (fetch_options.body) request.append(*fetch_options.body);
  send_all(socket.fd(), request, deadline);
  return parse_response(receive_to_close(socket.fd(), deadline));
}

}  // namespace updraft::testing
