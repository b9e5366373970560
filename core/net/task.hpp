// Task<T>: a coroutine that starts eagerly, returns a T (or throws), can be awaited, and can be cancelled while it
// waits (native handlers, protocols on a Stream, Asio operations through use_task).
//
//   Task<int> answer() { co_await ...; co_return 42; }
//   Task<> handler() { int n = co_await answer(); ... }   // Task<> is Task<void>, what handler methods return
//
// A Task owns its coroutine: destroying it destroys the coroutine frame wherever it is suspended (its locals'
// destructors run, an awaited child task is destroyed with it, a pending use_task operation completes into nothing).
// cancel() asks whatever the task waits on now (down a chain of awaited tasks to one Asio operation started with
// use_task) to complete early with operation_aborted: the coroutine then sees that error and unwinds itself.
#pragma once

#include <coroutine>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "core/net/frame_pool.hpp"

namespace updraft {

namespace detail {

// What a suspended coroutine can be asked to cancel: the task or operation it is waiting on now.
class Cancellable {
 public:
  virtual void cancel() = 0;

 protected:
  ~Cancellable() = default;
};

// The part of every Task's promise that does not depend on T.
class TaskPromiseBase : public Cancellable {
 public:
  static void* operator new(std::size_t size) { return allocate_frame(size); }
  static void operator delete(void* frame, std::size_t size) noexcept { free_frame(frame, size); }
  std::suspend_never initial_suspend() noexcept { return {}; }
  struct FinalAwaiter {
    TaskPromiseBase* promise;
    bool await_ready() noexcept { return false; }
    // The owner's callback may destroy this very task, so everything is read out of the promise before it runs.
    std::coroutine_handle<> await_suspend(std::coroutine_handle<>) noexcept {
      std::coroutine_handle<> next = std::exchange(promise->continuation_, {});
      if (promise->parent_) promise->parent_->waiting_on_ = nullptr;
      if (auto done = std::move(promise->on_done_)) done();
      return next ? next : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {this}; }
  void unhandled_exception() { error_ = std::current_exception(); }

  // Cancels what this coroutine waits on now (nothing if that cannot be cancelled).
  void cancel() override {
    if (waiting_on_) waiting_on_->cancel();
  }
  // Awaiters that can be cancelled register themselves for the time they are pending (nullptr: no longer).
  void set_waiting_on(Cancellable* what) { waiting_on_ = what; }

  std::exception_ptr error_;
  std::function<void()> on_done_;
  std::coroutine_handle<> continuation_;  // the coroutine awaiting this one
  TaskPromiseBase* parent_ = nullptr;     // its promise, when it is a Task too
  Cancellable* waiting_on_ = nullptr;
};

// The promise of the coroutine behind h when it is a Task's; other coroutines (an asio::awaitable, a test's own
// coroutine type) have their own cancellation or none.
template <class Promise>
TaskPromiseBase* task_promise(std::coroutine_handle<Promise> h) {
  if constexpr (std::is_base_of_v<TaskPromiseBase, Promise>) return &h.promise();
  else return nullptr;
}

template <class T>
struct TaskResult {
  template <class U>
  void return_value(U&& value) requires std::is_constructible_v<T, U&&> {
    value_.emplace(std::forward<U>(value));
  }
  std::optional<T> value_;
};
template <>
struct TaskResult<void> {
  void return_void() {}
};

template <class T>
class TaskPromise;

}  // namespace detail

template <class T = void>
class [[nodiscard]] Task {
  static_assert(!std::is_reference_v<T>, "Task<T&> is not supported: return a pointer or a value");

 public:
  using promise_type = detail::TaskPromise<T>;

  // An already finished Task<>: what a synchronous handler method amounts to.
  Task() requires std::is_void_v<T> : handle_() {}
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
  // Runs fn when the task finishes (now, if it already has). For an owner that is not a coroutine.
  void on_done(std::function<void()> fn) {
    if (done()) fn();
    else handle_.promise().on_done_ = std::move(fn);
  }
  // Rethrows what the coroutine threw, if anything.
  void rethrow_if_failed() const {
    if (handle_ && handle_.promise().error_) std::rethrow_exception(handle_.promise().error_);
  }
  // The finished task's value (or its exception rethrown); std::logic_error while it runs.
  decltype(auto) result() {
    if (!done()) throw std::logic_error("Task::result() before the task finished");
    rethrow_if_failed();
    if constexpr (!std::is_void_v<T>) return static_cast<T&>(*handle_.promise().value_);
  }
  // Cancels the operation the task waits on now; see the top of this file.
  void cancel() {
    if (!done()) handle_.promise().cancel();
  }

  // co_await a Task from a coroutine: its value, or its exception rethrown. If the awaiting coroutine is destroyed
  // first, this task forgets it (it keeps running, and resumes nobody).
  class Awaiter {
   public:
    explicit Awaiter(Task& task) : task_(task) {}
    Awaiter(const Awaiter&) = delete;
    Awaiter& operator=(const Awaiter&) = delete;
    ~Awaiter() {
      if (!task_.done()) {
        auto& promise = task_.handle_.promise();
        if (promise.parent_) promise.parent_->set_waiting_on(nullptr);
        promise.continuation_ = {};
        promise.parent_ = nullptr;
      }
    }
    bool await_ready() const noexcept { return task_.done(); }
    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> waiter) {
      auto& promise = task_.handle_.promise();
      promise.continuation_ = waiter;
      promise.parent_ = detail::task_promise(waiter);
      if (promise.parent_) promise.parent_->set_waiting_on(&promise);
    }
    T await_resume() {
      task_.rethrow_if_failed();
      if constexpr (!std::is_void_v<T>) {
        if (!task_.handle_) throw std::logic_error("co_await on a moved-from Task");
        return std::move(*task_.handle_.promise().value_);
      }
    }

   private:
    Task& task_;
  };
  Awaiter operator co_await() & { return Awaiter(*this); }
  Awaiter operator co_await() && { return Awaiter(*this); }

 private:
  friend promise_type;
  explicit Task(std::coroutine_handle<promise_type> h) : handle_(h) {}
  void reset() {
    if (handle_) handle_.destroy();
    handle_ = {};
  }
  std::coroutine_handle<promise_type> handle_;
};

namespace detail {

template <class T>
class TaskPromise : public TaskPromiseBase, public TaskResult<T> {
 public:
  Task<T> get_return_object() { return Task<T>(std::coroutine_handle<TaskPromise>::from_promise(*this)); }
};

}  // namespace detail

}  // namespace updraft
