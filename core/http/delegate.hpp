// The seams between the connection and whatever answers a request (after tornado/httputil.py).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "core/http/headers.hpp"
#include "core/http/request_head.hpp"
#include "core/net/stream.hpp"

namespace updraft {

class LatencyHistogram;
class Loop;
class RequestDelegate;

// Handler -> connection. Every method must be called on the connection's loop thread.
class ResponseWriter {
 public:
  // Called when the writer can take more: backpressure is this completion.
  using Ready = std::function<void()>;

  virtual ~ResponseWriter() = default;
  // Queues the status line and headers (a Content-Length header fixes the framing;
  // otherwise chunked on HTTP/1.1 and close-delimited on HTTP/1.0). An empty reason
  // means the standard phrase for status. They go out with the next write(), send_file()
  // or finish(), in one send with the first body bytes.
  virtual void write_head(int status, const HeaderList& headers, std::string_view reason) = 0;
  void write_head(int status, const HeaderList& headers) { write_head(status, headers, {}); }
  // Queues body bytes; `ready` runs once the queue has drained below its mark.
  virtual void write(std::string_view chunk, Ready ready = {}) = 0;
  // Sends length bytes of fd from offset with sendfile(2) after what was written so far; the
  // connection owns fd from now on and closes it. Write nothing more until `done` runs.
  virtual void send_file(int fd, std::uint64_t offset, std::uint64_t length, Ready done) = 0;
  // Completes the response; the connection then moves on to the next request.
  virtual void finish() = 0;
  // Gives up on the response: the connection closes so the client cannot take a
  // partial response for a complete one.
  virtual void abort() = 0;
  // Request-body flow control: stop reading from the socket until resume_reading(),
  // for a delegate whose consumer is slower than the client.
  virtual void pause_reading() = 0;
  virtual void resume_reading() = 0;
  // Switching protocols (RFC 9110 15.2.2), instead of a response: answers 101 with headers (the caller's Upgrade
  // and Connection among them), then, on a fresh stack, gives the stream with whatever the client sent after this
  // request to the protocol that `next` makes of it. The request's head and delegate go to that protocol too (the
  // delegate lives on as its user); the HTTP connection is over, so nothing else may be written through it.
  using ProtocolFactory = std::function<std::unique_ptr<StreamHandler>(Stream&, std::unique_ptr<RequestHead>,
                                                                       std::unique_ptr<RequestDelegate>)>;
  virtual void switch_protocols(const HeaderList& headers, ProtocolFactory next) = 0;
  // True once the client has gone or the connection was aborted: further writes are dropped.
  virtual bool closed() const = 0;
  virtual Loop& loop() = 0;
};

// Connection -> handler: one per request, created when the head is complete.
class RequestDelegate {
 public:
  virtual ~RequestDelegate() = default;
  // A per-request override of Limits::max_body_size (Tornado's set_max_body_size).
  virtual std::optional<std::uint64_t> max_body_size() const { return std::nullopt; }
  virtual void headers_received() {}
  // Body bytes, de-chunked; the view is valid only during the call.
  virtual void data_received(std::string_view chunk) = 0;
  // The whole request has arrived.
  virtual void finish() = 0;
  // The connection closed before the response finished; the delegate is destroyed right after.
  virtual void on_connection_close() {}
  // Whether a saturated loop may notice the client hanging up during this request at its next tick instead of at once
  // (Stream::set_hang_up_watch_may_wait): not for a delegate that drops queued work the moment its client leaves.
  virtual bool hang_up_may_wait() const { return false; }

  // Where the connection counts the request's time from head to response end (a route's or an app's series in
  // /metrics); none by default.
  LatencyHistogram* latency_histogram() const { return latency_; }
  void set_latency_histogram(LatencyHistogram* histogram) { latency_ = histogram; }

 private:
  LatencyHistogram* latency_ = nullptr;
};

// The server's factory of per-request delegates.
class HandlerFactory {
 public:
  virtual ~HandlerFactory() = default;
  // head and writer outlive the returned delegate.
  virtual std::unique_ptr<RequestDelegate> start_request(const RequestHead& head, ResponseWriter& writer) = 0;
};

}  // namespace updraft
