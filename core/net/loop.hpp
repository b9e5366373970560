// The event loop: one per thread, owning every connection, parser and timer it runs.
//
// Thread-safety notes. Each loop thread owns its connections: sockets, parsers,
// timers and connection state are touched only on their own loop thread. The loop
// thread never takes the GIL and never touches a PyObject. WSGI worker threads hold
// the GIL only while running Python, and wait for body data or response room with it
// released. The one object that crosses threads is the exchange between a connection
// and a WSGI worker; everything else crosses only as a closure handed to
// Loop::post(), the one cross-thread call (like Tornado's IOLoop.add_callback).
// Native handlers run on the loop and must not block it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <thread>

namespace updraft {

class Loop;
class LoopInbox;

// A pending call_later(); cancelling (or destroying) it, on the loop's thread, guarantees the callback will not run.
class TimerHandle {
 public:
  TimerHandle() = default;
  TimerHandle(TimerHandle&&) noexcept;
  TimerHandle& operator=(TimerHandle&&) noexcept;
  ~TimerHandle();
  void cancel();

 private:
  friend class Loop;
  struct Queue;
  TimerHandle(std::weak_ptr<Queue> queue, std::uint64_t id) : queue_(std::move(queue)), id_(id) {}
  std::weak_ptr<Queue> queue_;  // a handle that outlives its loop cancels nothing
  std::uint64_t id_ = 0;
};

class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Runs fn on this loop's thread; safe to call from any thread. From another thread it goes through inbox().
  void post(std::function<void()> fn);
  // Where other threads' posts wait for the loop; it outlives the loop, for a thread that may post after the loop has
  // gone (its post is dropped) or that must post after releasing a lock of its own (WSGI's Exchange).
  const std::shared_ptr<LoopInbox>& inbox() const { return inbox_; }
  // Runs fn on this loop after delay; call on the loop thread. All of a loop's timers share one queue and one Asio
  // timer (Tornado's IOLoop.call_later), so a waiting coroutine costs a queue entry, not a timer of its own.
  [[nodiscard]] TimerHandle call_later(std::chrono::steady_clock::duration delay, std::function<void()> fn);

  // Runs the loop on the calling thread until stop().
  void run();
  void stop();

  bool in_loop_thread() const { return std::this_thread::get_id() == thread_id_.load(std::memory_order_relaxed); }
  // Fails fast (abort with a message) when called off the loop thread, in debug and sanitizer builds.
  void assert_in_loop_thread(const char* what) const;

  // "Date: ...\r\n", refreshed once a second by the owner of the loop.
  std::string_view date_header() const { return {date_line_, date_len_}; }
  void refresh_date();

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  void wait_for_posts();

  std::unique_ptr<Impl> impl_;
  std::shared_ptr<TimerHandle::Queue> timers_;  // destroyed before impl_'s io_context
  std::shared_ptr<LoopInbox> inbox_;
  std::atomic<std::thread::id> thread_id_;
  char date_line_[64] = {};
  std::size_t date_len_ = 0;
};

}  // namespace updraft
