// WorkerPool: a mutex-and-condition-variable queue; each thread runs one exchange at a time, started when the running
// ones all wait on I/O (their threads' state in /proc); a watchdog thread delivers deadline interrupts,
// swapping the interrupted thread for a new one at once.
#include "wsgi/worker_pool.hpp"

#include <Python.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <string_view>

#include "core/net/scheduling.hpp"

namespace updraft {
namespace {

using Clock = std::chrono::steady_clock;

// While the running requests compute, an idle worker looks again this often.
constexpr auto kLook = std::chrono::milliseconds(1);
// A request running this long (a report, or stuck until --timeout) no longer holds the queue back: the next ones run
// beside it, taking turns on the GIL.
constexpr auto kLongRequest = std::chrono::seconds(1);
// After a request that ran this long, its worker yields the core before the next one, so the loop writes the answers
// that are done and reads the requests that came, instead of at the end of the worker's time slice (a 4 ms tick): a
// native route beside a CPU-bound page then waits about one page, not one tick. Not after shorter requests: yielding
// every millisecond between them cost a fast app 15-20 % more CPU a request (smaller batches for the loop). Not while
// another worker waits to look at the running ones: the yield would wake it too, and the loop would run twice.
constexpr auto kYieldAfter = std::chrono::milliseconds(1);

std::int64_t cpu_ns(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// A thread with every signal blocked, as the threads it starts (Python's) will be: SIGTERM and SIGINT are for the
// loop's handler, and one delivered to a pool thread before the server blocks them would kill the process.
template <class Fn>
std::thread thread_without_signals(Fn&& fn) {
  sigset_t all, before;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &before);
  std::thread thread(std::forward<Fn>(fn));
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  return thread;
}

}  // namespace

// The state letter follows the command name, which is in parentheses and may itself hold any character.
bool WorkerPool::Worker::computing() const {
  char text[512];
  const ssize_t n = ::pread(stat_fd, text, sizeof text, 0);
  if (n <= 0) return true;  // unknown: do not start another beside it
  const std::string_view stat(text, static_cast<std::size_t>(n));
  const std::size_t paren = stat.rfind(')');
  return paren == std::string_view::npos || paren + 2 >= stat.size() || stat[paren + 2] == 'R';
}

WorkerPool::Worker::~Worker() {
  if (stat_fd >= 0) ::close(stat_fd);
}

WorkerPool::WorkerPool(const Options& options, Run run, Interrupt interrupt)
    : run_(std::move(run)),
      interrupt_(std::move(interrupt)),
      max_queue_(options.max_queue),
      max_abandoned_(options.max_abandoned ? options.max_abandoned : static_cast<std::size_t>(options.threads)),
      fair_(options.fair) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < options.threads; ++i) spawn_locked();
  watchdog_ = thread_without_signals([this] { watch(); });
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::spawn_locked() {
  auto worker = std::make_shared<Worker>();
  workers_.push_back(worker);
  worker->thread = thread_without_signals([this, worker] { work(worker); });
}

bool WorkerPool::submit(std::shared_ptr<Exchange> exchange) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    std::size_t free_threads = workers_.size() - busy_.load(std::memory_order_relaxed);  // take theirs at once
    if (stopping_ || queue_.size() >= max_queue_ + free_threads) return false;
    queue_.push_back(std::move(exchange));
    wake = wake_one_locked();
  }
  if (wake) cv_.notify_one();
  return true;
}

// Whether a queued request needs an idle worker woken (counted as waking until it is). With fair dispatch, one worker
// on its way is enough: it takes the front request, or measures the running ones, and wakes the next for the rest;
// waking one for each request of a batch would send all but one back to sleep, two switches each. Shared dispatch
// wakes a worker per request.
bool WorkerPool::wake_one_locked() {
  if (idle_ <= waking_ || (fair_ && waking_ > 0)) return false;
  ++waking_;
  return true;
}

void WorkerPool::wait_locked(std::unique_lock<std::mutex>& lock, std::optional<Clock::duration> timeout) {
  ++idle_;
  if (timeout)
    cv_.wait_for(lock, *timeout);
  else
    cv_.wait(lock);
  --idle_;
  if (waking_ > 0) --waking_;
}

void WorkerPool::discard(const std::shared_ptr<Exchange>& exchange) {
  std::lock_guard lock(mutex_);
  std::erase(queue_, exchange);
}

void WorkerPool::drop_for_gone_client(const std::shared_ptr<Exchange>& exchange) {
  discard(exchange);
  client_gone_.fetch_add(1, std::memory_order_relaxed);
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
  self->stat_fd = ::open("/proc/thread-self/stat", O_RDONLY | O_CLOEXEC);
  ::pthread_getcpuclockid(::pthread_self(), &self->cpu_clock);
  self->ident = PyThread_get_thread_ident();
  // One Python thread state for the life of this thread (left registered by this Ensure), so each
  // request's GIL take is a plain re-acquire instead of creating and destroying a thread state.
  PyGILState_Ensure();
  PyEval_SaveThread();
  std::unique_lock lock(mutex_);
  bool just_ran = false;
  while (std::shared_ptr<Exchange> exchange = next_locked(lock, *self, just_ran)) {
    lock.unlock();
    run_(exchange);
    self->ended = Clock::now();
    just_ran = true;
    lock.lock();
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
    // Counted free first: a request the loop reads meanwhile is not refused for want of a thread.
    if (self->ended - self->started >= kYieldAfter && !probing_) {
      lock.unlock();
      ::sched_yield();
      lock.lock();
    }
  }
}

// The next request this worker runs, once it may start; null when the worker is to exit. The worker that just
// finished a request asks first, so back-to-back requests stay on one warm thread; if that request mostly waited, the
// others were already running beside a waiting request, and the next one in the queue takes its place at once.
std::shared_ptr<Exchange> WorkerPool::next_locked(std::unique_lock<std::mutex>& lock, Worker& self, bool just_ran) {
  for (;; just_ran = false) {
    if (self.retired) return nullptr;
    if (queue_.empty()) {
      if (stopping_) {
        cv_.notify_all();  // the others waiting behind a measuring worker exit too
        return nullptr;
      }
      wait_locked(lock);
      continue;
    }
    // Its own request mostly waited while others ran: the next one takes its place without a look.
    bool pass_on = just_ran && fair_ && busy_.load(std::memory_order_relaxed) > 0 && waited_most(self);
    if (!pass_on && !may_start_locked()) {
      if (std::exchange(last_held_, queue_.front().get()) != queue_.front().get())
        held_back_.fetch_add(1, std::memory_order_relaxed);
      if (probing_) {
        wait_locked(lock);  // woken when the measuring worker takes a request
      } else {
        probing_ = true;
        wait_locked(lock, kLook);
        probing_ = false;
      }
      continue;
    }
    std::shared_ptr<Exchange> exchange = std::move(queue_.front());
    queue_.pop_front();
    if (!queue_.empty() && wake_one_locked()) cv_.notify_one();  // another worker measures for the rest
    if (!exchange->start_running()) continue;  // expired in the queue
    self.current = exchange;
    self.started = Clock::now();
    // Reading a thread's CPU clock is a system call: made only for a request that starts beside others, the one case
    // where whether it waited can matter when it ends (see waited_most).
    self.cpu_at_start = busy_.load(std::memory_order_relaxed) > 0 ? cpu_ns(self.cpu_clock) : -1;
    busy_.fetch_add(1, std::memory_order_relaxed);
    return exchange;
  }
}

// Whether the request this worker just ran spent more than half its time off the CPU. Asked only while others run;
// one that started alone was not measured, and counts as computing: the queue then waits for the look.
bool WorkerPool::waited_most(const Worker& self) {
  if (self.cpu_at_start < 0) return false;
  const auto wall = std::chrono::nanoseconds(self.ended - self.started).count();
  return 2 * (cpu_ns(self.cpu_clock) - self.cpu_at_start) < wall;
}

// Whether a queued request may start now: always when nothing runs; otherwise when none of the running requests is
// computing (one that has run for kLongRequest no longer counts). A request that has just started is computing: its
// thread is on a CPU until it waits.
bool WorkerPool::may_start_locked() {
  if (!fair_ || busy_.load(std::memory_order_relaxed) == 0) return true;
  const Clock::time_point now = Clock::now();
  std::size_t computing = 0;
  for (const auto& w : workers_)
    if (w->current && now - w->started < kLongRequest) computing += w->computing();
  computing_.store(computing, std::memory_order_relaxed);
  return computing == 0;
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
