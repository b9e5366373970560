// WsgiContainer: the loop side of a WSGI request: feeds the body channel, writes what the worker produces.
#include "wsgi/wsgi_container.hpp"

#include <spdlog/spdlog.h>

namespace updraft {

namespace {
// Bodies up to this size are collected before the app runs; larger ones stream.
constexpr std::uint64_t kWholeBodyLimit = 64 * 1024;

WsgiRequestInfo copy_request(const RequestHead& head) {
  WsgiRequestInfo info;
  info.method = head.method;
  info.target = head.target;
  info.version_minor = head.version_minor;
  info.headers = head.headers;
  info.remote_address = head.remote_address;
  info.remote_port = head.remote_port;
  info.content_length = head.content_length;
  info.chunked = head.chunked;
  return info;
}

class WsgiRequest final : public RequestDelegate, public ExchangeSink {
 public:
  WsgiRequest(WorkerPool& pool, const RequestHead& head, ResponseWriter& writer)
      : pool_(pool),
        writer_(writer),
        exchange_(std::make_shared<Exchange>(writer.loop(), copy_request(head))) {
    exchange_->attach(this);
    stream_body_ = head.chunked || head.content_length.value_or(0) > kWholeBodyLimit;
  }
  ~WsgiRequest() override { exchange_->detach(); }

  void headers_received() override {
    if (stream_body_) submit();
  }
  void data_received(std::string_view chunk) override {
    if (!exchange_->push_body(chunk) && submitted_) writer_.pause_reading();
  }
  void finish() override {
    exchange_->end_body();
    if (!submitted_) submit();
  }
  void on_connection_close() override { exchange_->cancel(); }

  void on_response(const ExchangeOutput& out) override {
    if (out.head) writer_.write_head(out.head->first, out.head->second);
    auto taken = [ex = exchange_] { ex->output_taken(); };
    if (out.file_fd >= 0) {
      if (!out.data.empty()) writer_.write(out.data);
      writer_.send_file(out.file_fd, out.file_offset, out.file_length, taken);
    } else if (!out.last) {
      writer_.write(out.data, taken);
    } else if (out.aborted) {
      writer_.abort();
    } else {
      if (!out.data.empty()) writer_.write(out.data);
      writer_.finish();
    }
  }
  void on_body_room() override { writer_.resume_reading(); }

 private:
  void submit() {
    submitted_ = true;
    if (pool_.submit(exchange_)) return;
    spdlog::warn("WSGI queue full: 503 for {} {}", exchange_->info().method, exchange_->info().target);
    exchange_->cancel();
    HeaderList headers;
    headers.add("Content-Type", "text/plain; charset=utf-8");
    headers.add("Retry-After", "1");
    headers.add("Content-Length", "20");
    writer_.write_head(503, headers);
    writer_.write("Service Unavailable\n");
    writer_.finish();
  }

  WorkerPool& pool_;
  ResponseWriter& writer_;
  std::shared_ptr<Exchange> exchange_;
  bool stream_body_ = false;
  bool submitted_ = false;
};
}  // namespace

WsgiContainer::WsgiContainer(int threads, std::size_t max_queue, WorkerPool::Run run)
    : pool_(threads, max_queue, std::move(run)) {}

WsgiContainer::~WsgiContainer() = default;

std::unique_ptr<RequestDelegate> WsgiContainer::start_request(const RequestHead& head, ResponseWriter& writer) {
  return std::make_unique<WsgiRequest>(pool_, head, writer);
}

}  // namespace updraft
