// WorkerPool: a mutex-and-condition-variable queue; each thread runs one exchange at a time; a watchdog thread
// delivers deadline interrupts, swapping the interrupted thread for a new one at once.
#include "wsgi/worker_pool.hpp"

#include <Python.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include "core/net/scheduling.hpp"

namespace updraft {

WorkerPool::WorkerPool(int threads, std::size_t max_queue, Run run, Interrupt interrupt, std::size_t max_abandoned)
    : run_(std::move(run)),
      interrupt_(std::move(interrupt)),
      max_queue_(max_queue),
      max_abandoned_(max_abandoned ? max_abandoned : static_cast<std::size_t>(threads)) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < threads; ++i) spawn_locked();
  watchdog_ = std::thread([this] { watch(); });
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::spawn_locked() {
  auto worker = std::make_shared<Worker>();
  workers_.push_back(worker);
  worker->thread = std::thread([this, worker] { work(worker); });
}

bool WorkerPool::submit(std::shared_ptr<Exchange> exchange) {
  {
    std::lock_guard lock(mutex_);
    std::size_t free_threads = workers_.size() - busy_.load(std::memory_order_relaxed);  // take theirs at once
    if (stopping_ || queue_.size() >= max_queue_ + free_threads) return false;
    queue_.push_back(std::move(exchange));
  }
  cv_.notify_one();
  return true;
}

void WorkerPool::discard(const std::shared_ptr<Exchange>& exchange) {
  std::lock_guard lock(mutex_);
  std::erase(queue_, exchange);
}

std::size_t WorkerPool::queue_depth() {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void WorkerPool::interrupt(const std::shared_ptr<Exchange>& exchange) {
  {
    std::lock_guard lock(mutex_);
    to_interrupt_.push_back(exchange);
  }
  watchdog_cv_.notify_one();
}

void WorkerPool::stop() {
  std::vector<std::shared_ptr<Worker>> workers;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    workers = workers_;
  }
  cv_.notify_all();
  watchdog_cv_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
  for (auto& w : workers)
    if (w->thread.joinable()) w->thread.join();
}

void WorkerPool::work(std::shared_ptr<Worker> self) {
  // Woken with a request, a worker waits for the loop to block instead of preempting it: the loop hands over
  // everything that arrived meanwhile, and native routes never wait behind a worker's wake-up.
  use_batch_scheduling("a WSGI worker thread");
  ::pthread_setname_np(::pthread_self(), "wsgi-worker");
  self->ident = PyThread_get_thread_ident();
  // One Python thread state for the life of this thread (left registered by this Ensure), so each
  // request's GIL take is a plain re-acquire instead of creating and destroying a thread state.
  PyGILState_Ensure();
  PyEval_SaveThread();
  while (true) {
    std::shared_ptr<Exchange> exchange;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || self->retired; });
      if (self->retired || queue_.empty()) return;
      exchange = std::move(queue_.front());
      queue_.pop_front();
      if (!exchange->start_running()) continue;  // expired in the queue
      self->current = exchange;
      busy_.fetch_add(1, std::memory_order_relaxed);
    }
    run_(exchange);
    std::unique_lock lock(mutex_);
    // An interrupt still being raised must finish, and then be cleared, before the next request starts.
    interrupt_cv_.wait(lock, [&] { return !self->interrupting; });
    if (std::exchange(self->interrupted, false)) {
      lock.unlock();  // never wait for the GIL while holding the pool's lock
      clear_pending_interrupt(self->ident);
      lock.lock();
    }
    self->current.reset();
    if (self->retired) {  // the watchdog stopped counting it as busy when it replaced it
      abandoned_.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
    busy_.fetch_sub(1, std::memory_order_relaxed);
  }
}

// The thread state outlives the request: an exception raised too late must not reach the next one.
void WorkerPool::clear_pending_interrupt(unsigned long ident) {
  PyGILState_STATE state = PyGILState_Ensure();
  PyThreadState_SetAsyncExc(ident, nullptr);
  PyGILState_Release(state);
}

void WorkerPool::watch() {
  ::pthread_setname_np(::pthread_self(), "wsgi-watchdog");
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    watchdog_cv_.wait(lock, [&] { return stopping_ || !to_interrupt_.empty(); });
    while (!to_interrupt_.empty()) {
      auto exchange = std::move(to_interrupt_.front());
      to_interrupt_.pop_front();
      for (auto& w : workers_) {
        if (w->current != exchange) continue;
        std::shared_ptr<Worker> worker = w;  // abandon_locked() takes it out of workers_
        const bool limit_reached = abandon_locked(worker);
        worker->interrupting = true;
        worker->interrupted = true;
        lock.unlock();
        if (interrupt_) interrupt_(worker->ident);
        if (limit_reached && on_abandon_limit_) on_abandon_limit_();
        lock.lock();
        worker->interrupting = false;
        interrupt_cv_.notify_all();
        break;
      }
    }
  }
}

// The worker's request was answered (504): a new thread takes its place now, so the next request does not wait for
// the old one to unwind. True the first time more than max_abandoned replaced threads are still stuck.
bool WorkerPool::abandon_locked(const std::shared_ptr<Worker>& worker) {
  worker->retired = true;
  busy_.fetch_sub(1, std::memory_order_relaxed);
  worker->thread.detach();
  std::erase(workers_, worker);
  replaced_.fetch_add(1, std::memory_order_relaxed);
  spawn_locked();
  std::size_t stuck = abandoned_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (stuck <= max_abandoned_ || abandon_limit_reached_) return false;
  abandon_limit_reached_ = true;
  if (on_abandon_limit_) {
    spdlog::error("{} WSGI threads replaced past --timeout are still stuck: recycling this worker process", stuck);
  } else {
    spdlog::error("{} WSGI threads replaced past --timeout are still stuck; restart the server when you can (a "
                  "single process has no supervisor to recycle it: run with -w 2 or more)", stuck);
  }
  return true;
}

}  // namespace updraft
