// RouteDelegate: a buffered body is collected, then the handler runs; a streamed one goes chunk by chunk to
// data_received() after prepare(), reading paused while a coroutine data_received() has not finished.
#include "native/route_delegate.hpp"

#include <exception>
#include <limits>
#include <utility>

namespace updraft::detail {

RouteDelegate::~RouteDelegate() = default;

void RouteDelegate::start(const Application& app, const RequestHead& head, ResponseWriter& writer,
                          std::vector<std::string> args, unsigned allowed_methods,
                          std::optional<std::uint64_t> route_max_body_size) {
  writer_ = &writer;
  route_max_body_size_ = route_max_body_size;
  handler_->bind(app, head, writer, std::move(args), allowed_methods);
}

template <class Step>
void RouteDelegate::guarded(Step step) {
  try {
    step();
  } catch (...) {
    handler_->handle_exception(std::current_exception());
  }
}

// The connection asks before headers_received() and again after it. A streaming handler's prepare(), which runs in
// headers_received(), may raise the limit past the server's (Tornado's set_max_body_size), so until then no limit
// is refused; the connection's second look applies the one that holds.
std::optional<std::uint64_t> RouteDelegate::max_body_size() const {
  if (handler_->streams_body() && !headers_seen_) return std::numeric_limits<std::uint64_t>::max();
  return handler_->max_body_size_ ? handler_->max_body_size_ : route_max_body_size_;
}

void RouteDelegate::headers_received() {
  headers_seen_ = true;
  if (handler_->streams_body()) guarded([this] { handler_->begin(); });
}

void RouteDelegate::data_received(std::string_view chunk) {
  if (!handler_->streams_body()) return handler_->buffer_body(chunk);
  if (handler_->finished()) return;  // answered already (an error, a redirect in prepare()): the rest is dropped
  if (!streamed_) streamed_ = std::make_unique<Streamed>();
  if (!chunk_task_.done()) return static_cast<void>(streamed_->waiting.append(chunk));
  streamed_->chunk.assign(chunk);
  deliver();
}

void RouteDelegate::deliver() {
  bool running = false;
  guarded([this, &running] {
    chunk_task_ = handler_->stream_chunk(streamed_->chunk);
    running = !chunk_task_.done();
    if (!running) chunk_task_.rethrow_if_failed();
  });
  if (!running) return;
  writer_->pause_reading();  // until it has taken this chunk
  chunk_task_.on_done([this] { chunk_taken(); });
}

void RouteDelegate::chunk_taken() {
  guarded([this] { chunk_task_.rethrow_if_failed(); });
  if (handler_->finished()) return;  // an error page: the connection drops what is left of the body
  if (!streamed_->waiting.empty()) {
    streamed_->chunk.swap(streamed_->waiting);
    streamed_->waiting.clear();
    deliver();  // replaces the finished task, whose final step this is: nothing of it runs after
    if (!chunk_task_.done() || handler_->finished()) return;
  }
  if (body_complete_) return guarded([this] { handler_->run_method(); });
  writer_->resume_reading();
}

void RouteDelegate::finish() {
  if (!handler_->streams_body()) {
    return guarded([this] {
      handler_->finish_body();
      handler_->begin();
      if (!handler_->finished()) handler_->run_method();
    });
  }
  body_complete_ = true;
  // Answered already; or a coroutine still has the last chunk, and chunk_taken() runs the method.
  if (handler_->finished() || !chunk_task_.done()) return;
  guarded([this] { handler_->run_method(); });
}

void RouteDelegate::on_connection_close() { handler_->on_connection_close(); }

}  // namespace updraft::detail
