// WsgiService: the container running WsgiApp::handle on its pool, plus queue, busy-thread, dispatch and GIL-wait
// samplers.
#include "cli/wsgi_service.hpp"

#include "core/net/metrics.hpp"
#include "wsgi/python_runtime.hpp"

namespace updraft {

WsgiService::WsgiService(py::WsgiApp& app, const WsgiContainerOptions& options)
    : container_(
          options, [&app](const std::shared_ptr<Exchange>& ex) { app.handle(ex); }, &py::WsgiApp::interrupt) {
  Metrics& m = Metrics::instance();
  container_.set_latency_histogram(&m.histogram(
      "updraft_wsgi_duration_seconds", "WSGI requests' time from their head to their response's end, by app.", "app",
      app.spec()));
  WorkerPool& pool = container_.pool();
  m.add_sampler("updraft_wsgi_queue_depth", "Requests waiting for a WSGI thread.", "gauge",
                [&pool] { return static_cast<double>(pool.queue_depth()); });
  m.add_sampler("updraft_wsgi_busy_threads", "WSGI threads running a request.", "gauge",
                [&pool] { return static_cast<double>(pool.busy_workers()); });
  m.add_sampler("updraft_wsgi_threads", "WSGI threads in the pool.", "gauge",
                [threads = options.threads] { return static_cast<double>(threads); });
  m.add_sampler("updraft_wsgi_replaced_threads_total", "WSGI threads replaced when their request passed --timeout.",
                "counter", [&pool] { return static_cast<double>(pool.replaced_workers()); });
  m.add_sampler("updraft_wsgi_abandoned_threads", "Replaced WSGI threads that have not unwound yet.", "gauge",
                [&pool] { return static_cast<double>(pool.abandoned_workers()); });
  m.add_sampler("updraft_wsgi_computing_requests",
                "Running WSGI requests that were computing, not waiting on I/O, when the fair dispatch last looked.",
                "gauge", [&pool] { return static_cast<double>(pool.computing_requests()); });
  m.add_sampler("updraft_wsgi_held_back_total",
                "Requests that waited, with a thread free, for the running ones to leave the CPU (--dispatch fair).",
                "counter", [&pool] { return static_cast<double>(pool.held_back()); });
  m.add_sampler("updraft_wsgi_dropped_client_gone_total",
                "Queued WSGI requests dropped before they started because their client hung up.", "counter",
                [&pool] { return static_cast<double>(pool.dropped_for_gone_clients()); });
  m.add_sampler("updraft_gil_wait_seconds_total", "Time WSGI threads spent waiting for the GIL.", "counter",
                [] { return py::gil_wait_seconds(); });
}

}  // namespace updraft
