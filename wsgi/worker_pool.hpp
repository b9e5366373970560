// WorkerPool: WSGI worker threads fed from a bounded queue of exchanges.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "wsgi/exchange.hpp"

namespace updraft {

class WorkerPool {
 public:
  using Run = std::function<void(const std::shared_ptr<Exchange>&)>;

  WorkerPool(int threads, std::size_t max_queue, Run run);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues an exchange; false when the queue is full (answer 503).
  bool submit(std::shared_ptr<Exchange> exchange);
  // Finishes queued work, then joins the threads.
  void stop();

 private:
  void work();

  Run run_;
  std::size_t max_queue_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Exchange>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace updraft
