// RouteDelegate: streamed request bodies (prepare() on the head, data_received() chunk by chunk, reading paused while
// a coroutine data_received() runs), set_max_body_size(), and buffered bodies staying the default.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "native/application.hpp"
#include "tests/support/app_test_fixture.hpp"

using namespace updraft;
using namespace std::chrono_literals;
using updraft::testing::AppTestFixture;

namespace {

// What a streaming handler saw, written on the loop thread, read by the test.
struct Upload {
  std::mutex mutex;
  std::vector<std::string> events;  // "prepare", then each chunk
  void add(std::string_view event) {
    std::lock_guard lock(mutex);
    events.emplace_back(event);
  }
  std::vector<std::string> all() {
    std::lock_guard lock(mutex);
    return events;
  }
  // Waits (up to 10 s) until n events are in.
  bool wait_for(std::size_t n) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (all().size() < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }
};

struct StreamingHandler : RequestHandler {
  static constexpr bool stream_request_body = true;
  void initialize(Upload* upload) { upload_ = upload; }
  void prepare() override {
    upload_->add("prepare");
    if (auto max = get_query_argument("max")) set_max_body_size(std::stoull(*max));
  }
  void data_received(std::string_view chunk) {
    received_ += chunk.size();
    upload_->add(chunk);
  }
  void post() { write("received " + std::to_string(received_) + ", body() holds " + std::to_string(body().size())); }
  void put() { post(); }

  Upload* upload_ = nullptr;
  std::uint64_t received_ = 0;
};

// data_received() waits until the test opens the gate.
struct Gate {
  std::atomic<bool> open{false};
  std::atomic<std::uint64_t> received{0};
  std::atomic<int> chunks{0};
  std::atomic<bool> client_left{false};
};

struct GatedHandler : RequestHandler {
  static constexpr bool stream_request_body = true;
  void initialize(Gate* gate) { gate_ = gate; }
  Task<> data_received(std::string_view chunk) {
    ++gate_->chunks;
    std::uint64_t size = chunk.size();
    while (!gate_->open) co_await sleep(5ms);
    gate_->received += size;
    if (chunk.find_first_not_of('x') != std::string_view::npos) throw std::runtime_error("chunk changed while waiting");
  }
  void post() { write(std::to_string(gate_->received.load())); }
  void on_connection_close() override { gate_->client_left = true; }

  Gate* gate_ = nullptr;
};

void send_text(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    REQUIRE(n > 0);
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string read_to_close(int fd) {
  std::string in;
  char buffer[4096];
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 30000) > 0) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    in.append(buffer, static_cast<std::size_t>(n));
  }
  return in;
}

}  // namespace

TEST_CASE("a streaming handler's prepare() runs on the head, then its chunks arrive in order as the client sends them",
          "[native][streaming]") {
  AppTestFixture server;
  Upload upload;
  server.app.add<StreamingHandler>("/upload", &upload);
  int fd = server.connect();
  send_text(fd, "POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 12\r\n\r\n");
  REQUIRE(upload.wait_for(1));  // prepare() ran before any body byte was sent
  for (std::string piece : {"aaaa", "bbbb", "cccc"}) {
    std::size_t before = upload.all().size();
    send_text(fd, piece);
    REQUIRE(upload.wait_for(before + 1));
  }
  CHECK(upload.all() == std::vector<std::string>{"prepare", "aaaa", "bbbb", "cccc"});
  std::string response = read_to_close(fd);
  ::close(fd);
  CHECK(response.substr(0, 12) == "HTTP/1.1 200");
  CHECK(response.find("received 12, body() holds 0") != std::string::npos);
}

TEST_CASE("a chunked body streams too, and a request without a body still runs its method", "[native][streaming]") {
  AppTestFixture server;
  Upload upload;
  server.app.add<StreamingHandler>("/upload", &upload);
  auto empty = server.fetch("/upload", {.method = "POST", .body = ""});
  CHECK(empty.body == "received 0, body() holds 0");
  CHECK(upload.all() == std::vector<std::string>{"prepare"});
  int fd = server.connect();
  send_text(fd, "PUT /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
                "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  std::string response = read_to_close(fd);
  ::close(fd);
  CHECK(response.find("received 5, body() holds 0") != std::string::npos);
}

TEST_CASE("set_max_body_size() in prepare() overrides the server's limit both ways; past it is a 413 that says it",
          "[native][streaming]") {
  AppTestFixture server;
  server.options.limits.max_body_size = 1000;
  Upload upload;
  server.app.add<StreamingHandler>("/upload", &upload);

  auto small = server.fetch("/upload?max=16", {.method = "POST", .body = std::string(17, 'a')});
  CHECK(small.status == 413);
  CHECK(small.body.find("request body too large (the limit is 16 bytes)") != std::string::npos);
  CHECK(server.fetch("/upload?max=16", {.method = "POST", .body = std::string(16, 'a')}).status == 200);

  auto raised = server.fetch("/upload?max=5000", {.method = "POST", .body = std::string(3000, 'a')});
  CHECK(raised.status == 200);
  CHECK(raised.body == "received 3000, body() holds 0");
  auto server_limit = server.fetch("/upload", {.method = "POST", .body = std::string(3000, 'a')});
  CHECK(server_limit.status == 413);
  CHECK(server_limit.body.find("request body too large (the limit is 1000 bytes)") != std::string::npos);

  // A chunked body has no length to refuse up front: it is cut off once it passes the limit.
  int fd = server.connect();
  send_text(fd, "POST /upload?max=4 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n");
  std::string response = read_to_close(fd);
  ::close(fd);
  CHECK(response.substr(0, 12) == "HTTP/1.1 413");
}

TEST_CASE("a coroutine data_received() pauses reading: a large upload stalls in the socket buffers until it finishes",
          "[native][streaming]") {
  AppTestFixture server;
  Gate gate;
  server.app.add<GatedHandler>("/gated", &gate);
  constexpr std::uint64_t kBody = 64u << 20;
  int fd = server.connect();
  send_text(fd, "POST /gated HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " + std::to_string(kBody) +
                    "\r\n\r\n");
  const std::string block(64 * 1024, 'x');
  std::uint64_t sent = 0;
  // Sends until the socket has taken nothing for a whole second: the server's receive buffer and our send buffer
  // are full because the server stopped reading.
  auto send_until_stalled = [&] {
    for (;;) {
      std::size_t size = static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), kBody - sent));
      if (size == 0) return;
      ssize_t n = ::send(fd, block.data(), size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<std::uint64_t>(n);
        continue;
      }
      REQUIRE((errno == EAGAIN || errno == EWOULDBLOCK));
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 1000) == 0) return;
    }
  };
  send_until_stalled();
  auto deadline = std::chrono::steady_clock::now() + 10s;  // a loaded machine may be slow to take the first chunk
  while (gate.chunks == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  send_until_stalled();
  INFO("sent " << sent << " bytes before stalling; the handler has " << gate.chunks << " chunks");
  CHECK(sent < kBody / 2);  // kernel buffers on loopback hold a few MiB at most: far from 64 MiB
  CHECK(gate.chunks == 1);  // the first chunk's coroutine is still waiting: no other was delivered
  std::this_thread::sleep_for(300ms);
  CHECK(gate.chunks == 1);

  gate.open = true;
  while (sent < kBody) {
    pollfd p{fd, POLLOUT, 0};
    REQUIRE(::poll(&p, 1, 30000) == 1);
    send_until_stalled();
  }
  std::string response = read_to_close(fd);
  ::close(fd);
  CHECK(response.substr(0, 12) == "HTTP/1.1 200");
  CHECK(response.substr(response.size() - std::to_string(kBody).size()) == std::to_string(kBody));
  CHECK(gate.chunks > 1);
}

TEST_CASE("a client that leaves while data_received() waits ends the request; the server goes on",
          "[native][streaming]") {
  AppTestFixture server;
  Gate gate;
  server.app.add<GatedHandler>("/gated", &gate);
  server.app.get("/alive", [](RequestHandler& h) { h.write("alive"); });
  int fd = server.connect();
  send_text(fd, "POST /gated HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + std::string(1000, 'x'));
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (gate.chunks == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  REQUIRE(gate.chunks == 1);
  ::close(fd);
  while (!gate.client_left && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  CHECK(gate.client_left);
  gate.open = true;  // a coroutine that outlived its request would now go on and count its chunk
  std::this_thread::sleep_for(100ms);
  CHECK(gate.received == 0);
  CHECK(server.fetch("/alive").body == "alive");
}

TEST_CASE("buffered bodies stay the default: body() holds the whole body, a multipart form its files",
          "[native][streaming]") {
  AppTestFixture server;
  server.app.post("/buffered", [](RequestHandler& h) {
    h.write("body " + std::to_string(h.body().size()) + ", files " + std::to_string(h.files().size()));
  });
  CHECK(server.fetch("/buffered", {.method = "POST", .body = std::string(5000, 'b')}).body == "body 5000, files 0");
  std::string form =
      "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nhello\r\n--XyZ--\r\n";
  auto multipart = server.fetch("/buffered", {.method = "POST",
                                              .headers = {{"Content-Type", "multipart/form-data; boundary=XyZ"}},
                                              .body = form});
  CHECK(multipart.body == "body 0, files 1");
}
