// AppTestFixture: Tornado's AsyncHTTPTestCase for Catch2: serves an Application on an ephemeral port of 127.0.0.1
// from a background loop thread, and fetch() sends it a request over a real socket.
//
//   struct CounterTest : AppTestFixture {
//     CounterTest() { app.add<Counter>("/count", &counter); }   // like Tornado's get_app()
//     std::atomic<long> counter{0};
//   };
//   TEST_CASE_METHOD(CounterTest, "counts") {
//     auto r = fetch("/count", {.method = "POST", .body = "x"});   // starts the server on first use
//     CHECK(r.status == 200);
//   }
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/http/http_server.hpp"
#include "native/application.hpp"

namespace updraft::testing {

struct FetchOptions {
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers{};
  std::optional<std::string> body{};  // sent with its Content-Length
  double timeout_seconds = 30;        // for the whole exchange: a server that hangs fails the test, not the run
};

struct FetchResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  std::string body;                                          // de-chunked
  // The first header of that name (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
};

class AppTestFixture {
 public:
  AppTestFixture();
  ~AppTestFixture();  // stops the server (in-flight requests get the graceful timeout) and joins its thread
  AppTestFixture(const AppTestFixture&) = delete;
  AppTestFixture& operator=(const AppTestFixture&) = delete;

  // Configure both before the first fetch() (or start()): the app's routes and settings, the server's limits.
  Application app;
  ServerOptions options;

  // Binds 127.0.0.1:0 and serves app on one loop thread; fetch() calls it when needed. Throws if bind fails.
  void start();
  std::uint16_t port() const { return port_; }
  // One request on a new connection (Connection: close); throws std::runtime_error if the server does not answer
  // in time or the answer is not HTTP.
  FetchResponse fetch(std::string_view path, const FetchOptions& fetch_options = {});
  // A blocking socket connected to the server, for tests that send by hand (the caller closes it).
  int connect();

 private:
  std::unique_ptr<HTTPServer> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

}  // namespace updraft::testing
