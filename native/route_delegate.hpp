// RouteDelegate: the connection's delegate for one request to a native route (Tornado's _HandlerDelegate): owns the
// handler, buffers the body or streams it to the handler's data_received() with backpressure, and runs the handler.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/delegate.hpp"
#include "core/net/task.hpp"
#include "native/request_handler.hpp"

namespace updraft::detail {

class RouteDelegate final : public RequestDelegate {
 public:
  // head and writer outlive the delegate (HandlerFactory::start_request); args are the route's captured groups.
  RouteDelegate(std::unique_ptr<RequestHandler> handler, const Application& app, const RequestHead& head,
                ResponseWriter& writer, std::vector<std::string> args, unsigned allowed_methods,
                std::optional<std::uint64_t> route_max_body_size);
  ~RouteDelegate() override;

  // The handler's set_max_body_size(), else the route's limit.
  std::optional<std::uint64_t> max_body_size() const override;
  void headers_received() override;
  void data_received(std::string_view chunk) override;
  void finish() override;
  void on_connection_close() override;

 private:
  template <class Step>
  void guarded(Step step);  // runs a step of the handler's life; what it throws becomes the error page
  void deliver();           // chunk_ to a streaming handler's data_received()
  void chunk_taken();       // its coroutine finished: the bytes that came meanwhile, then more reading or the method

  std::unique_ptr<RequestHandler> handler_;
  ResponseWriter& writer_;
  std::optional<std::uint64_t> route_max_body_size_;
  // Streaming: the chunk data_received() was given, valid until its coroutine finishes (the connection's read buffer
  // may go back to its pool meanwhile), and the bytes that the connection had read already when it paused.
  std::string chunk_;
  std::string waiting_;
  Task chunk_task_;
  bool headers_seen_ = false;
  bool body_complete_ = false;
};

}  // namespace updraft::detail
