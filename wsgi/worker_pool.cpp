// WorkerPool: a mutex-and-condition-variable queue; each thread runs one exchange at a time.
#include "wsgi/worker_pool.hpp"

namespace updraft {

WorkerPool::WorkerPool(int threads, std::size_t max_queue, Run run) : run_(std::move(run)), max_queue_(max_queue) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::submit(std::shared_ptr<Exchange> exchange) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= max_queue_) return false;
    queue_.push_back(std::move(exchange));
  }
  cv_.notify_one();
  return true;
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void WorkerPool::work() {
  while (true) {
    std::shared_ptr<Exchange> exchange;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      exchange = std::move(queue_.front());
      queue_.pop_front();
    }
    if (!exchange->cancelled()) run_(exchange);
  }
}

}  // namespace updraft
