// Task: a coroutine that starts eagerly, can be awaited, and reports completion to its owner (native handlers, protocols
// on a Stream).
#pragma once

#include <coroutine>
#include <exception>
#include <functional>
#include <utility>

namespace updraft {

class [[nodiscard]] Task {
 public:
  struct promise_type {
    std::exception_ptr error;
    std::function<void()> on_done;

    Task get_return_object() { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
    std::suspend_never initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
      bool await_ready() noexcept { return false; }
      void await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        if (auto done = std::move(h.promise().on_done)) done();
      }
      void await_resume() noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { error = std::current_exception(); }
  };

  // An already finished task: what a synchronous handler method amounts to.
  Task() = default;
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  ~Task() { reset(); }

  bool done() const { return !handle_ || handle_.done(); }
  // Runs fn when the task finishes (now, if it already has).
  void on_done(std::function<void()> fn) {
    if (done()) fn();
    else handle_.promise().on_done = std::move(fn);
  }
  // Rethrows what the coroutine threw, if anything.
  void rethrow_if_failed() const {
    if (handle_ && handle_.promise().error) std::rethrow_exception(handle_.promise().error);
  }

  // co_await another Task from a coroutine.
  bool await_ready() const noexcept { return done(); }
  void await_suspend(std::coroutine_handle<> waiter) {
    handle_.promise().on_done = [waiter] { waiter.resume(); };
  }
  void await_resume() const { rethrow_if_failed(); }

 private:
  explicit Task(std::coroutine_handle<promise_type> h) : handle_(h) {}
  void reset() {
    if (handle_) handle_.destroy();
    handle_ = {};
  }
  std::coroutine_handle<promise_type> handle_;
};

}  // namespace updraft
