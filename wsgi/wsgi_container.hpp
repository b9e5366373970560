// WsgiContainer: the WSGI gateway as one more HandlerFactory (Tornado's WSGIContainer): each request becomes an
// Exchange handed to the worker pool; the response comes back to the loop through the exchange.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "core/http/delegate.hpp"
#include "wsgi/exchange.hpp"
#include "wsgi/worker_pool.hpp"

namespace updraft {

struct WsgiContainerOptions {
  int threads = 1;
  std::size_t max_queue = 1024;                                   // 503 when this many wait
  std::chrono::duration<double> queue_timeout{10};                // 503 after waiting this long
  std::chrono::duration<double> request_timeout{0};               // 504 past this; 0 = none
  // Threads replaced past request_timeout (each at once) that may still be stuck before the abandon limit: 0, as
  // many as threads.
  std::size_t max_abandoned_threads = 0;
  // Python work first come, first served: see WorkerPool::Options::fair (--dispatch fair|shared).
  bool fair_dispatch = true;
  // Bodies up to this size are read whole by the loop before a thread is given the request: a slow uploader
  // never holds a thread. Larger ones (and chunked ones once past it) stream through the body channel.
  std::uint64_t buffer_request_body = 1 << 20;
  SpoolLimits response_spool;  // output a slow reader has not taken: in the exchange (memory, then a file), not a thread
};

class WsgiContainer : public HandlerFactory {
 public:
  WsgiContainer(const WsgiContainerOptions& options, WorkerPool::Run run, WorkerPool::Interrupt interrupt = {});
  ~WsgiContainer() override;

  std::unique_ptr<RequestDelegate> start_request(const RequestHead& head, ResponseWriter& writer) override;
  WorkerPool& pool() { return pool_; }
  // Where each request's time from head to response end is counted (the app's series in /metrics); none by default.
  void set_latency_histogram(LatencyHistogram* histogram) { latency_ = histogram; }
  const WsgiContainerOptions& options() const { return options_; }

 private:
  WsgiContainerOptions options_;
  WorkerPool pool_;
  LatencyHistogram* latency_ = nullptr;
};

}  // namespace updraft
