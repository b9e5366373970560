// WorkerPool: WSGI worker threads fed from a bounded queue, with a watchdog that interrupts requests past their
// deadline and replaces their threads at once.
#pragma once

#include <atomic>
#include <chrono>
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
  // Interrupts the thread (by its Python thread ident) running a request past its deadline.
  using Interrupt = std::function<void(unsigned long thread_ident)>;

  // max_abandoned: threads replaced past their deadline that may still be stuck before the abandon limit is reached
  // (0: as many as threads).
  WorkerPool(int threads, std::size_t max_queue, Run run, Interrupt interrupt = {}, std::size_t max_abandoned = 0);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues an exchange; false when max_queue requests already wait beyond what free threads will take (answer 503).
  bool submit(std::shared_ptr<Exchange> exchange);
  // Drops an exchange that expired while queued, so it stops taking a queue slot.
  void discard(const std::shared_ptr<Exchange>& exchange);
  // The exchange ran past its deadline: a new thread takes its thread's place at once, and an exception is raised in
  // the old one, which exits when it unwinds (a C call it is blocked in may keep it a while).
  void interrupt(const std::shared_ptr<Exchange>& exchange);
  // Called once, from the watchdog thread, when more than max_abandoned replaced threads are still stuck (a worker
  // process then drains and exits, and its supervisor starts a fresh one). Set before serving.
  void on_abandon_limit(std::function<void()> fn) { on_abandon_limit_ = std::move(fn); }
  // Finishes queued work, then joins the threads.
  void stop();

  std::size_t queue_depth();
  std::size_t busy_workers() const { return busy_.load(std::memory_order_relaxed); }
  std::uint64_t replaced_workers() const { return replaced_.load(std::memory_order_relaxed); }
  std::size_t abandoned_workers() const { return abandoned_.load(std::memory_order_relaxed); }

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<Exchange> current;  // guarded by mutex_
    unsigned long ident = 0;
    bool retired = false;  // abandoned by the pool: exit after the current request
    bool interrupted = false;   // an exception was raised in its current request
    bool interrupting = false;  // the watchdog is raising in it: it must not start another request meanwhile
  };
  void spawn_locked();
  bool abandon_locked(const std::shared_ptr<Worker>& worker);
  void work(std::shared_ptr<Worker> self);
  void watch();
  static void clear_pending_interrupt(unsigned long ident);

  Run run_;
  Interrupt interrupt_;
  std::function<void()> on_abandon_limit_;
  std::size_t max_queue_;
  std::size_t max_abandoned_;
  std::mutex mutex_;
  std::condition_variable cv_;            // idle workers wait here for requests
  std::condition_variable interrupt_cv_;  // a worker waits here for the watchdog to finish interrupting it (apart, so
                                          // that submit()'s notify_one never wakes it instead of an idle worker)
  std::condition_variable watchdog_cv_;
  std::deque<std::shared_ptr<Exchange>> queue_;
  std::vector<std::shared_ptr<Worker>> workers_;
  std::deque<std::shared_ptr<Exchange>> to_interrupt_;
  bool stopping_ = false;
  bool abandon_limit_reached_ = false;
  std::atomic<std::size_t> busy_{0};  // changed under mutex_; read without it by the metrics
  std::atomic<std::uint64_t> replaced_{0};
  std::atomic<std::size_t> abandoned_{0};  // replaced threads not exited yet
  std::thread watchdog_;
};

}  // namespace updraft
