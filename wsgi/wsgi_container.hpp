// WsgiContainer: the WSGI gateway as one more HandlerFactory (Tornado's WSGIContainer): each request becomes an
// Exchange handed to the worker pool; the response comes back to the loop through the exchange.
#pragma once

#include <cstddef>
#include <memory>

#include "core/delegate.hpp"
#include "wsgi/worker_pool.hpp"

namespace updraft {

class WsgiContainer : public HandlerFactory {
 public:
  // run executes an exchange on a worker thread (WsgiApp::handle).
  WsgiContainer(int threads, std::size_t max_queue, WorkerPool::Run run);
  ~WsgiContainer() override;

  std::unique_ptr<RequestDelegate> start_request(const RequestHead& head, ResponseWriter& writer) override;
  WorkerPool& pool() { return pool_; }

 private:
  WorkerPool pool_;
};

}  // namespace updraft
