// run_in_executor: `T value = co_await run_in_executor(loop(), [] { return blocking(); });` in a native coroutine
// handler: the function runs on the shared Executor, the coroutine resumes on its loop with the result (or the
// exception), and a handler destroyed meanwhile is never resumed.
#pragma once

#include <atomic>
#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/net/executor.hpp"
#include "core/net/loop.hpp"

namespace updraft {

template <class F>
class ExecutorAwaiter {
  using Result = std::invoke_result_t<F>;
  using Stored = std::conditional_t<std::is_void_v<Result>, bool, Result>;

  struct State {
    std::atomic<bool> abandoned{false};  // the awaiting frame was destroyed
    std::optional<Stored> value;
    std::exception_ptr error;
  };

 public:
  ExecutorAwaiter(Loop& loop, F fn) : loop_(loop), fn_(std::move(fn)), state_(std::make_shared<State>()) {}
  ExecutorAwaiter(ExecutorAwaiter&&) = default;
  ~ExecutorAwaiter() {
    if (state_) state_->abandoned = true;
  }

  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    Executor::shared().submit([&loop = loop_, fn = std::move(fn_), state = state_, h]() mutable {
      try {
        if constexpr (std::is_void_v<Result>) {
          fn();
          state->value.emplace(true);
        } else {
          state->value.emplace(fn());
        }
      } catch (...) {
        state->error = std::current_exception();
      }
      loop.post([state, h] {
        if (!state->abandoned) h.resume();
      });
    });
  }
  Result await_resume() {
    if (state_->error) std::rethrow_exception(state_->error);
    if constexpr (!std::is_void_v<Result>) return std::move(*state_->value);
  }

 private:
  Loop& loop_;
  F fn_;
  std::shared_ptr<State> state_;
};

template <class F>
ExecutorAwaiter<F> run_in_executor(Loop& loop, F fn) {
  return ExecutorAwaiter<F>(loop, std::move(fn));
}

}  // namespace updraft
