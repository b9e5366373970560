// WsgiContainer: the loop side of a WSGI request: reads small bodies whole before a thread takes the request, feeds
// the body channel, writes what the worker produces, and answers 503 (queue full or queue wait too long) or 504
// (request past its deadline) without waiting on Python.
#include "wsgi/wsgi_container.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "core/http/response_encoder.hpp"
#include "core/net/loop.hpp"

namespace updraft {

namespace {
WsgiRequestInfo copy_request(const RequestHead& head) {
  WsgiRequestInfo info;
  info.method = head.method;
  info.target = head.target;
  info.version_minor = head.version_minor;
  info.headers = head.headers;
  info.remote_ip = head.remote_ip;
  info.remote_port = head.remote_port;
  info.protocol = head.protocol;
  info.content_length = head.content_length;
  info.chunked = head.chunked;
  return info;
}

std::chrono::steady_clock::duration ticks(std::chrono::duration<double> d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
}

class WsgiRequest final : public RequestDelegate, public ExchangeSink {
 public:
  WsgiRequest(WsgiContainer& container, const RequestHead& head, ResponseWriter& writer)
      : container_(container),
        writer_(writer),
        exchange_(
            std::make_shared<Exchange>(writer.loop(), copy_request(head), &container.options().response_spool)),
        buffer_limit_(container.options().buffer_request_body),
        content_length_(head.content_length.value_or(0)) {
    exchange_->attach(this);
  }
  ~WsgiRequest() override { exchange_->detach(); }

  void headers_received() override {
    if (content_length_ > buffer_limit_) submit();  // too large to hold: it streams from the start
  }
  void data_received(std::string_view chunk) override {
    bool room = exchange_->push_body(chunk);
    buffered_ += chunk.size();
    if (!submitted_ && buffered_ > buffer_limit_) submit();  // a chunked body past the limit streams from here
    if (!room && submitted_) writer_.pause_reading();
  }
  void finish() override {
    exchange_->end_body();
    if (!submitted_) submit();
  }
  // The client hung up: a request still queued is dropped unrun (nobody is left to read its answer, and under
  // overload the live clients behind it wait less); a running one is told (writes fail, iteration stops).
  void on_connection_close() override {
    if (submitted_ && exchange_->expire_in_queue()) container_.pool().drop_for_gone_client(exchange_);
    exchange_->cancel();
  }

  // The worker's output goes to the writer one batch at a time; while the client is slow to take it, the worker goes
  // on into the exchange's spool (the channel, then a temporary file), never the loop.
  void on_response(const ExchangeOutput& out) override {
    if (answered_) {  // a batch posted before the answer: its file is ours to close
      if (out.file_fd >= 0) ::close(out.file_fd);
      return;
    }
    if (out.head) {
      writer_.write_head(out.head->status, out.head->headers, out.head->reason);
      head_written_ = true;
    }
    auto taken = [ex = exchange_] { ex->output_taken(); };
    if (out.file_fd >= 0) {  // the app's file, or a range of the spool
      if (!out.data.empty()) writer_.write(out.data);
      writer_.send_file(out.file_fd, out.file_offset, out.file_length, taken);
    } else if (!out.last) {
      if (!out.data.empty()) writer_.write(out.data, taken);  // a head alone is not a batch the exchange waits on
    } else if (out.aborted) {
      done();
      if (!out.data.empty()) writer_.write(out.data);  // what the app sent before failing, then no end
      writer_.abort();
    } else {
      done();
      if (!out.data.empty()) writer_.write(out.data);
      writer_.finish();
    }
  }
  void on_body_room() override { writer_.resume_reading(); }

 private:
  void submit() {
    submitted_ = true;
    if (!container_.pool().submit(exchange_)) {
      return overloaded(fmt::format("every WSGI thread is busy and the queue is full (--max-queue {})",
                                    container_.options().max_queue));
    }
    submitted_at_ = std::chrono::steady_clock::now();
    arm_timer();
  }

  // One timer per request: the queue wait limit while queued, then the request deadline
  // (counted from submission).
  void arm_timer() {
    const auto& o = container_.options();
    auto elapsed = std::chrono::steady_clock::now() - submitted_at_;
    bool queued = !exchange_->running();
    if (queued && elapsed >= ticks(o.queue_timeout)) {
      if (exchange_->expire_in_queue()) {
        container_.pool().discard(exchange_);
        return overloaded(fmt::format("no WSGI thread was free within the queue timeout (--queue-timeout {} s)",
                                      o.queue_timeout.count()));
      }
      queued = false;
    }
    bool has_deadline = o.request_timeout.count() > 0;
    if (has_deadline && elapsed >= ticks(o.request_timeout)) return on_deadline();
    auto next = std::chrono::steady_clock::duration::max();
    if (queued) next = ticks(o.queue_timeout) - elapsed;
    if (has_deadline) next = std::min(next, ticks(o.request_timeout) - elapsed);
    if (next == std::chrono::steady_clock::duration::max()) return;
    timer_ = writer_.loop().call_later(next, [this] { arm_timer(); });
  }

  void on_deadline() {
    if (exchange_->expire_in_queue()) {
      container_.pool().discard(exchange_);
      return overloaded(fmt::format("no WSGI thread was free within the request timeout (--timeout {} s)",
                                    container_.options().request_timeout.count()));
    }
    spdlog::error("{} {} ran past --timeout {} s: 504, its thread interrupted and replaced", exchange_->info().method,
                  exchange_->info().target, container_.options().request_timeout.count());
    container_.pool().interrupt(exchange_);
    exchange_->cancel();
    if (head_written_) {
      done();
      return writer_.abort();
    }
    answer(504, fmt::format("the application did not answer within the request timeout (--timeout {} s)",
                            container_.options().request_timeout.count()),
           false);
  }

  void overloaded(const std::string& why) {
    spdlog::warn("{}: 503 for {} {}", why, exchange_->info().method, exchange_->info().target);
    exchange_->cancel();
    answer(503, why, true);
  }

  // The body says what was wrong, as the connection's own error pages do (error_text).
  void answer(int status, std::string_view detail, bool retry_after) {
    done();
    std::string body = error_text(status, detail);
    HeaderList headers;
    headers.add("Content-Type", "text/plain; charset=utf-8");
    if (retry_after) headers.add("Retry-After", "1");
    headers.add("Content-Length", std::to_string(body.size()));
    writer_.write_head(status, headers);
    writer_.write(body);
    writer_.finish();
  }

  void done() {
    answered_ = true;
    timer_.cancel();
  }

  WsgiContainer& container_;
  ResponseWriter& writer_;
  std::shared_ptr<Exchange> exchange_;
  TimerHandle timer_;
  std::chrono::steady_clock::time_point submitted_at_;
  const std::uint64_t buffer_limit_;
  const std::uint64_t content_length_;
  std::uint64_t buffered_ = 0;
  bool submitted_ = false;
  bool head_written_ = false;
  bool answered_ = false;
};
}  // namespace

WsgiContainer::WsgiContainer(const WsgiContainerOptions& options, WorkerPool::Run run, WorkerPool::Interrupt interrupt)
    : options_(options),
      pool_({.threads = options.threads,
             .max_queue = options.max_queue,
             .max_abandoned = options.max_abandoned_threads,
             .fair = options.fair_dispatch},
            std::move(run), std::move(interrupt)) {}

WsgiContainer::~WsgiContainer() = default;

std::unique_ptr<RequestDelegate> WsgiContainer::start_request(const RequestHead& head, ResponseWriter& writer) {
  auto request = std::make_unique<WsgiRequest>(*this, head, writer);
  request->set_latency_histogram(latency_);
  return request;
}

}  // namespace updraft
