// WsgiService: wires a loaded WSGI app to a WsgiContainer and publishes its gauges to /metrics.
#pragma once

#include "wsgi/wsgi_app.hpp"
#include "wsgi/wsgi_container.hpp"

namespace updraft {

class WsgiService {
 public:
  WsgiService(py::WsgiApp& app, const WsgiContainerOptions& options);
  WsgiContainer& container() { return container_; }
  // Lets queued work finish and joins the worker threads.
  void stop() { container_.pool().stop(); }

 private:
  WsgiContainer container_;
};

}  // namespace updraft
