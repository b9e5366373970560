// Asio inside native handlers (opt-in: includes Asio): the loop's io_context and executor, the use_task token, and
// asio::awaitable<T> run on the loop and awaited from a Task.
//
//   #include "native/asio.hpp"
//   struct Upstream : RequestHandler {
//     Task<> get() {
//       boost::asio::steady_timer timer(updraft::executor(loop()), 50ms);
//       co_await timer.async_wait(updraft::use_task);
//       std::string body = co_await updraft::spawn(loop(), some_asio_library_call());   // an asio::awaitable
//       write(body);
//     }
//   };
//
// Everything must run on the handler's own loop (its executor): Asio objects made on another io_context would resume
// the coroutine on another thread. When the client hangs up before the response is finished, the operation the
// handler waits on is cancelled (terminal cancellation through its cancellation slot) and the handler's coroutine is
// destroyed, which destroys its locals: sockets it made are closed, timers cancelled.
#pragma once

#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "core/net/loop.hpp"
#include "core/net/loop_impl.hpp"
#include "core/net/use_task.hpp"

namespace updraft {

// The io_context behind a loop, and its executor, for Asio objects used on that loop.
inline boost::asio::io_context& io_context(Loop& loop) { return loop.impl().io; }
inline boost::asio::io_context::executor_type executor(Loop& loop) { return loop.impl().io.get_executor(); }

// Runs an asio::awaitable on the loop (co_spawn) and returns what co_await gives: its value, or its exception
// rethrown. Cancelling the awaiting task cancels the awaitable (terminal cancellation, seen by what it waits on).
// Asio's co_spawn needs T to be default-constructible.
template <class T, class Executor>
auto spawn(Loop& loop, boost::asio::awaitable<T, Executor> awaitable) {
  return boost::asio::co_spawn(executor(loop), std::move(awaitable), use_task);
}

}  // namespace updraft
