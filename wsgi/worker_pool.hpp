// WorkerPool: WSGI worker threads fed from a bounded queue in arrival order, a request starting Python only when it
// can make progress, with a watchdog that interrupts requests past their deadline and replaces their threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "wsgi/exchange.hpp"

namespace updraft {

class WorkerPool {
 public:
  using Run = std::function<void(const std::shared_ptr<Exchange>&)>;
  // Interrupts the thread (by its Python thread ident) running a request past its deadline.
  using Interrupt = std::function<void(unsigned long thread_ident)>;

  struct Options {
    int threads = 1;
    std::size_t max_queue = 1024;
    // Threads replaced past their deadline that may still be stuck before the abandon limit is reached (0: as many
    // as threads).
    std::size_t max_abandoned = 0;
    // A queued request starts only while none of the running ones is computing (they all wait on I/O with the GIL
    // released), so CPU-bound requests run one at a time in arrival order instead of taking turns on the GIL. Off:
    // every free thread starts a request at once.
    bool fair = true;
  };

  WorkerPool(const Options& options, Run run, Interrupt interrupt = {});
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues an exchange; false when max_queue requests already wait beyond what free threads will take (answer 503).
  bool submit(std::shared_ptr<Exchange> exchange);
  // Drops an exchange that expired while queued, so it stops taking a queue slot.
  void discard(const std::shared_ptr<Exchange>& exchange);
  // discard() for a queued exchange whose client hung up (claimed with expire_in_queue() first), counted.
  void drop_for_gone_client(const std::shared_ptr<Exchange>& exchange);
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
  // Running requests that were computing (not waiting on I/O) when the fair dispatch last looked.
  std::size_t computing_requests() const { return computing_.load(std::memory_order_relaxed); }
  // Requests that waited in the queue, with a thread free, for the running ones to let go of the CPU.
  std::uint64_t held_back() const { return held_back_.load(std::memory_order_relaxed); }
  // Queued requests dropped before they started because their client hung up.
  std::uint64_t dropped_for_gone_clients() const { return client_gone_.load(std::memory_order_relaxed); }

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<Exchange> current;  // guarded by mutex_
    unsigned long ident = 0;
    bool retired = false;  // abandoned by the pool: exit after the current request
    bool interrupted = false;   // an exception was raised in its current request
    bool interrupting = false;  // the watchdog is raising in it: it must not start another request meanwhile
    std::chrono::steady_clock::time_point started;  // when its current request started
    std::chrono::steady_clock::time_point ended;    // when its last request ended
    std::int64_t cpu_at_start = -1;                 // its thread's CPU time at the start, in ns; -1: not measured
    clockid_t cpu_clock{};
    int stat_fd = -1;                               // its thread's /proc stat, open for the life of the thread
    // Whether its thread is on a CPU or ready for one (state R), not waiting on I/O, a lock or the GIL.
    bool computing() const;
    ~Worker();
  };
  void spawn_locked();
  bool abandon_locked(const std::shared_ptr<Worker>& worker);
  void work(std::shared_ptr<Worker> self);
  std::shared_ptr<Exchange> next_locked(std::unique_lock<std::mutex>& lock, Worker& self, bool just_ran);
  static bool waited_most(const Worker& self);
  bool may_start_locked();
  bool wake_one_locked();
  void wait_locked(std::unique_lock<std::mutex>& lock,
                   std::optional<std::chrono::steady_clock::duration> timeout = std::nullopt);
  void watch();
  static void clear_pending_interrupt(unsigned long ident);

  Run run_;
  Interrupt interrupt_;
  std::function<void()> on_abandon_limit_;
  std::size_t max_queue_;
  std::size_t max_abandoned_;
  bool fair_;
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
  std::size_t idle_ = 0;    // workers waiting on cv_
  std::size_t waking_ = 0;  // of them, notified and not yet awake
  bool probing_ = false;                   // an idle worker is re-measuring the running requests on a short timer
  const Exchange* last_held_ = nullptr;  // the queued request last counted in held_back_
  std::atomic<std::size_t> busy_{0};  // changed under mutex_; read without it by the metrics
  std::atomic<std::uint64_t> replaced_{0};
  std::atomic<std::size_t> abandoned_{0};  // replaced threads not exited yet
  std::atomic<std::size_t> computing_{0};
  std::atomic<std::uint64_t> held_back_{0};
  std::atomic<std::uint64_t> client_gone_{0};
  std::thread watchdog_;
};

}  // namespace updraft
