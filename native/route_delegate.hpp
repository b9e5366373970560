// RouteDelegate: the connection's delegate for one request to a native route (Tornado's _HandlerDelegate): owns the
// handler (HandlerOwner: one allocation for both), buffers the body or streams it to the handler's data_received()
// with backpressure, and runs the handler.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/http/delegate.hpp"
#include "core/net/task.hpp"
#include "native/request_handler.hpp"

namespace updraft::detail {

class RouteDelegate : public RequestDelegate {
 public:
  ~RouteDelegate() override;

  // Wires the handler to the request: head and writer outlive the delegate (HandlerFactory::start_request); args are
  // the route's captured groups.
  void start(const Application& app, const RequestHead& head, ResponseWriter& writer, std::vector<std::string> args,
             unsigned allowed_methods, std::optional<std::uint64_t> route_max_body_size);

  // The handler's set_max_body_size(), else the route's limit.
  std::optional<std::uint64_t> max_body_size() const override;
  void headers_received() override;
  void data_received(std::string_view chunk) override;
  void finish() override;
  void on_connection_close() override;
  // A handler is cancelled when its client leaves, and a tick late costs it nothing but the wait.
  bool hang_up_may_wait() const override { return true; }

 protected:
  RouteDelegate() = default;
  void set_handler(RequestHandler& handler) { handler_ = &handler; }
  void drop_chunk_task() { chunk_task_ = {}; }

 private:
  template <class Step>
  void guarded(Step step);  // runs a step of the handler's life; what it throws becomes the error page
  void deliver();           // chunk_ to a streaming handler's data_received()
  void chunk_taken();       // its coroutine finished: the bytes that came meanwhile, then more reading or the method

  RequestHandler* handler_ = nullptr;
  ResponseWriter* writer_ = nullptr;
  std::optional<std::uint64_t> route_max_body_size_;
  // Streaming: the chunk data_received() was given, valid until its coroutine finishes (the connection's read buffer
  // may go back to its pool meanwhile), and the bytes that the connection had read already when it paused. Made for
  // the first chunk: the delegate of a request without a streamed body (a WebSocket's, for the connection's life)
  // does without.
  struct Streamed {
    std::string chunk;
    std::string waiting;
  };
  std::unique_ptr<Streamed> streamed_;
  Task<> chunk_task_;
  bool headers_seen_ = false;
  bool body_complete_ = false;
};

// A RouteDelegate and its handler in one allocation.
template <class Handler>
class HandlerOwner final : public RouteDelegate {
 public:
  template <class... Args>
  explicit HandlerOwner(Args&&... args) : handler_(std::forward<Args>(args)...) {
    set_handler(handler_);
  }
  ~HandlerOwner() override { drop_chunk_task(); }  // a data_received() coroutine goes before the handler it runs on

 private:
  Handler handler_;
};

}  // namespace updraft::detail
