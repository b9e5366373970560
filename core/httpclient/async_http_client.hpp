// AsyncHTTPClient: Tornado's tornado.httpclient for coroutines on a loop: co_await client.fetch(url or HTTPRequest).
//
//   AsyncHTTPClient client(loop());
//   HTTPResponse r = co_await client.fetch("http://127.0.0.1:8000/api");        // HTTPClientError unless 2xx
//   HTTPResponse any = co_await client.fetch(HTTPRequest{.url = u, .method = "POST", .body = "x"}, false);
//   co_await client.fetch(HTTPRequest{.url = u, .streaming_callback = [&](std::string_view chunk) { sink(chunk); }});
//
// Built on Asio's sockets and llhttp's response parser (see async_http_client.cpp for why). Redirects are followed up to
// max_redirects; gzip bodies are decoded; https verifies the server's certificate and name against the system's CAs
// or ca_certs; with a streaming_callback the body is handed over piece by piece as it arrives instead of kept;
// connections are kept alive in a pool per loop and reused. When the coroutine awaiting fetch() is
// cancelled (its client hung up), the fetch is cancelled and its connection closed.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/http/headers.hpp"
#include "core/net/loop.hpp"
#include "core/net/task.hpp"

namespace updraft {

// HTTPRequest::streaming_callback: called with each piece of the response body as it arrives (decoded, when gzip is
// decoded), the next piece read only once it returns. Either a plain function, as Tornado's, or a coroutine
// returning Task<> that the fetch awaits before reading on: backpressure, e.g. a proxy that co_awaits flush().
class StreamingCallback {
 public:
  StreamingCallback() = default;
  template <class F>
    requires std::is_invocable_v<F&, std::string_view>
  StreamingCallback(F callback) {  // implicit: a lambda is assigned to streaming_callback
    if constexpr (std::is_same_v<std::invoke_result_t<F&, std::string_view>, Task<>>) {
      callback_ = std::move(callback);
    } else {
      callback_ = [plain = std::move(callback)](std::string_view chunk) mutable {
        plain(chunk);
        return Task<>();
      };
    }
  }
  explicit operator bool() const { return static_cast<bool>(callback_); }
  Task<> operator()(std::string_view chunk) const { return callback_(chunk); }

 private:
  std::function<Task<>(std::string_view)> callback_;
};

// Tornado's HTTPRequest arguments (default member initializers keep designated initializers warning-free).
struct HTTPRequest {
  std::string url{};
  std::string method{"GET"};
  HeaderList headers{};
  std::string body{};
  std::chrono::milliseconds connect_timeout{20'000};  // resolving, connecting and the TLS handshake
  std::chrono::milliseconds request_timeout{20'000};  // the whole fetch, redirects included
  bool follow_redirects{true};
  int max_redirects{5};
  std::uint64_t max_body_size{100 * 1024 * 1024};  // a larger response (before or after decoding) is an error
  bool decompress_response{true};                  // asks for gzip and decodes it
  bool validate_cert{true};
  std::string ca_certs{};  // a PEM file of the CAs to trust instead of the system's
  // Set: the final response's body goes to it piece by piece and HTTPResponse::body stays empty (see above).
  StreamingCallback streaming_callback{};
  // Set: called with each line of each response's head as it was received, redirects' too (Tornado's): the status
  // line, each field, then an empty line; every line ends in "\r\n".
  std::function<void(std::string_view line)> header_callback{};
};

struct HTTPResponse {
  int code = 0;
  std::string reason;
  // A decoded body's Content-Encoding is renamed X-Consumed-Content-Encoding (as Tornado does).
  HeaderList headers;
  std::string body;           // empty with a streaming_callback
  std::string effective_url;  // after redirects
  std::chrono::steady_clock::duration request_time{};
};

// A response that is not 2xx (with raise_error), or no response: code 599 (timeouts, refused or reset connections,
// TLS failures, an oversize response), as Tornado's curl client.
class HTTPClientError : public std::runtime_error {
 public:
  HTTPClientError(int code, const std::string& message, std::optional<HTTPResponse> response = std::nullopt)
      : std::runtime_error("HTTP " + std::to_string(code) + ": " + message),
        code_(code),
        response_(std::move(response)) {}
  int code() const { return code_; }
  const std::optional<HTTPResponse>& response() const { return response_; }

 private:
  int code_;
  std::optional<HTTPResponse> response_;
};

// The connect or request timeout passed (code 599).
class HTTPTimeoutError : public HTTPClientError {
 public:
  explicit HTTPTimeoutError(const std::string& message) : HTTPClientError(599, message) {}
};

class AsyncHTTPClient {
 public:
  // A handle on the loop's pool of kept-alive connections: cheap to make, one per handler is fine.
  explicit AsyncHTTPClient(Loop& loop) : loop_(loop) {}

  // raise_error (Tornado's): a response that is not 2xx throws HTTPClientError (with the response); false returns
  // it. Failures without a response throw either way. A URL that is not http:// or https:// is std::invalid_argument.
  Task<HTTPResponse> fetch(std::string url, bool raise_error = true);
  Task<HTTPResponse> fetch(HTTPRequest request, bool raise_error = true);

 private:
  Loop& loop_;
};

}  // namespace updraft
