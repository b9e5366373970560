// Operations endpoints served natively on the loop, so they answer while every Python thread is busy:
// liveness and Prometheus metrics.
#pragma once

#include "core/net/metrics.hpp"
#include "native/request_handler.hpp"

namespace updraft {

struct HealthHandler : RequestHandler {
  void get() {
    set_header("Content-Type", "text/plain");
    set_header("Cache-Control", "no-store");
    write("ok\n");
  }
};

struct MetricsHandler : RequestHandler {
  void get() {
    set_header("Content-Type", "text/plain; version=0.0.4");
    set_header("Cache-Control", "no-store");
    write(Metrics::instance().render_prometheus());
  }
};

}  // namespace updraft
