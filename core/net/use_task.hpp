// use_task: an Asio completion token that lets a Task co_await any Asio asynchronous operation (opt-in: includes Asio).
//
//   co_await timer.async_wait(updraft::use_task);                       // errors are thrown (system_error)
//   std::size_t n = co_await socket.async_read_some(buffer, updraft::use_task);
//   auto [ec, n] = co_await socket.async_read_some(buffer, asio::as_tuple(updraft::use_task));   // errors as values
//
// What co_await returns is the operation's completion arguments after a leading error_code or exception_ptr (which is
// thrown when set instead): nothing, the one value, or a std::tuple of them. The operation starts when it is awaited
// and its handler runs on its I/O object's executor: use objects of the loop the coroutine runs on (native/asio.hpp).
//
// Cancellation: each awaited operation gets its own asio::cancellation_signal bound to its handler's cancellation
// slot. A Task that waits on it (directly, or through awaited child tasks) forwards Task::cancel() to that signal as a
// terminal cancellation: the operation completes with operation_aborted, thrown into the coroutine. If the coroutine
// is destroyed instead (its Task destroyed while it waits), the operation is left to complete into nothing: its
// handler keeps the little shared state it needs alive and resumes nobody. The operation's own buffers and state must
// then outlive the coroutine (or die with its I/O object): bind them with asio::consign(use_task, state...).
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include "core/net/task.hpp"

namespace updraft {

struct use_task_t {
  constexpr use_task_t() = default;
};
inline constexpr use_task_t use_task;

namespace detail {

template <class Tuple, std::size_t... I>
auto completion_values(Tuple&& args, std::index_sequence<I...>) {
  if constexpr (sizeof...(I) == 1) return std::move(std::get<I>(args)...);
  else if constexpr (sizeof...(I) > 1) return std::make_tuple(std::move(std::get<I>(args))...);
}

template <std::size_t... I>
constexpr std::index_sequence<(I + 1)...> after_first(std::index_sequence<I...>) {
  return {};
}

// The operation's completion arguments as co_await returns them (see the top of this file).
template <class... Ts>
auto completion_result(std::tuple<Ts...>&& args) {
  if constexpr (sizeof...(Ts) == 0) {
    return;
  } else {
    using First = std::tuple_element_t<0, std::tuple<Ts...>>;
    constexpr auto rest = after_first(std::make_index_sequence<sizeof...(Ts) - 1>());
    if constexpr (std::is_same_v<First, boost::system::error_code>) {
      if (std::get<0>(args)) throw boost::system::system_error(std::get<0>(args));
      return completion_values(std::move(args), rest);
    } else if constexpr (std::is_same_v<First, std::exception_ptr>) {
      if (std::get<0>(args)) std::rethrow_exception(std::get<0>(args));
      return completion_values(std::move(args), rest);
    } else {
      return completion_values(std::move(args), std::index_sequence_for<Ts...>());
    }
  }
}

// The awaiter an operation started with use_task becomes, but for how the operation starts (AsioOperation).
template <class... Ts>
class Operation : public Cancellable {
 public:
  using Result = decltype(completion_result(std::declval<std::tuple<Ts...>>()));

  Operation() = default;
  Operation(Operation&&) = default;
  Operation& operator=(Operation&&) = delete;
  // Destroyed while pending: the operation keeps its cancellation handler (co_spawn's lives in it) until it completes.
  virtual ~Operation() {
    if (state_ && state_->waiter) {
      state_->abandoned = true;
      state_->waiter = {};
    }
  }

  bool await_ready() const noexcept { return false; }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> waiter) {
    return start(waiter, task_promise(waiter));
  }
  Result await_resume() { return completion_result(std::move(*state_->result)); }

  void cancel() override {
    if (state_ && state_->waiter) state_->signal.emit(boost::asio::cancellation_type::terminal);
  }

 protected:
  struct State {
    boost::asio::cancellation_signal signal;
    std::optional<std::tuple<Ts...>> result;
    std::coroutine_handle<> waiter;  // set while the coroutine is suspended on the operation
    TaskPromiseBase* promise = nullptr;
    bool abandoned = false;  // the coroutine was destroyed while waiting
  };

  struct Handler {
    std::shared_ptr<State> state;
    using cancellation_slot_type = boost::asio::cancellation_slot;
    cancellation_slot_type get_cancellation_slot() const noexcept { return state->signal.slot(); }
    template <class... Args>
    void operator()(Args&&... args) {
      State& s = *state;
      s.signal.slot().clear();  // Asio leaves its cancellation handler installed; it must never fire from here on
      s.result.emplace(std::forward<Args>(args)...);
      if (s.abandoned || !s.waiter) return;  // no waiter: completed during initiation, await_suspend resumes
      if (s.promise) s.promise->set_waiting_on(nullptr);
      std::exchange(s.waiter, {}).resume();
    }
  };

  virtual void initiate(Handler handler) = 0;

 private:
  bool start(std::coroutine_handle<> waiter, TaskPromiseBase* promise) {
    state_ = std::make_shared<State>();
    initiate(Handler{state_});
    if (state_->result) return false;
    state_->waiter = waiter;
    state_->promise = promise;
    if (promise) promise->set_waiting_on(this);
    return true;
  }

  std::shared_ptr<State> state_;
};

// An operation with its initiation, held until the coroutine awaits it.
template <class Initiation, class InitArgs, class... Ts>
class AsioOperation final : public Operation<Ts...> {
 public:
  template <class I, class A>
  AsioOperation(I&& initiation, A&& args) : initiation_(std::forward<I>(initiation)), args_(std::forward<A>(args)) {}
  AsioOperation(AsioOperation&&) = default;

 private:
  using Handler = typename Operation<Ts...>::Handler;
  void initiate(Handler handler) override {
    std::apply([&](auto&... args) { std::move(initiation_)(std::move(handler), std::move(args)...); }, args_);
  }

  Initiation initiation_;
  InitArgs args_;
};

// Any AsioOperation of a signature, for functions that declare their result as async_result<Token, Signature>::
// return_type (the pre-C++20 convention that Beast's streams and older libraries still use).
template <class... Ts>
class ErasedOperation {
 public:
  template <class Initiation, class InitArgs>
  ErasedOperation(AsioOperation<Initiation, InitArgs, Ts...>&& operation)
      : operation_(std::make_unique<AsioOperation<Initiation, InitArgs, Ts...>>(std::move(operation))) {}

  bool await_ready() const noexcept { return false; }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> waiter) {
    return operation_->await_suspend(waiter);
  }
  auto await_resume() { return operation_->await_resume(); }

 private:
  std::unique_ptr<Operation<Ts...>> operation_;
};

}  // namespace detail
}  // namespace updraft

template <class... Ts>
class boost::asio::async_result<updraft::use_task_t, void(Ts...)> {
 public:
  using return_type = updraft::detail::ErasedOperation<std::decay_t<Ts>...>;
  template <class Initiation, class... InitArgs>
  static auto initiate(Initiation&& initiation, updraft::use_task_t, InitArgs&&... args) {
    using Operation = updraft::detail::AsioOperation<std::decay_t<Initiation>, std::tuple<std::decay_t<InitArgs>...>,
                                                     std::decay_t<Ts>...>;
    return Operation(std::forward<Initiation>(initiation),
                     std::tuple<std::decay_t<InitArgs>...>(std::forward<InitArgs>(args)...));
  }
};
