// native/asio.hpp: asio::awaitable<T> run on a loop with spawn() and awaited from a Task, with cancellation.
#include "native/asio.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "support/run_task.hpp"

using namespace updraft;
using updraft::test::run_until_done;
using namespace std::chrono_literals;
namespace asio = boost::asio;

TEST_CASE("spawn() runs an asio::awaitable on the loop and returns its value or exception", "[task][asio]") {
  Loop loop;
  asio::io_context& io = updraft::io_context(loop);
  auto value = [](Loop& l) -> Task<int> {
    co_return co_await spawn(l, []() -> asio::awaitable<int> {
      asio::steady_timer timer(co_await asio::this_coro::executor, 10ms);
      co_await timer.async_wait(asio::use_awaitable);
      co_return 5;
    }());
  }(loop);
  run_until_done(io, value);
  CHECK(value.result() == 5);

  auto failing = [](Loop& l) -> Task<int> {
    co_return co_await spawn(l, []() -> asio::awaitable<int> {
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
      throw std::runtime_error("thrown in the awaitable");
    }());
  }(loop);
  run_until_done(io, failing);
  CHECK_THROWS_WITH(failing.result(), "thrown in the awaitable");
}

TEST_CASE("cancelling a task cancels the asio::awaitable it waits on", "[task][asio]") {
  Loop loop;
  asio::io_context& io = updraft::io_context(loop);
  auto unwound = std::make_shared<std::string>();
  auto task = [](Loop& l, std::shared_ptr<std::string> seen) -> Task<int> {
    co_return co_await spawn(l, [](std::shared_ptr<std::string> seen2) -> asio::awaitable<int> {
      asio::steady_timer timer(co_await asio::this_coro::executor, 1h);
      try {
        co_await timer.async_wait(asio::use_awaitable);
      } catch (const boost::system::system_error& e) {
        *seen2 = e.code().message();
        throw;
      }
      co_return 1;
    }(seen));
  }(loop, unwound);
  io.poll();
  REQUIRE_FALSE(task.done());
  task.cancel();
  run_until_done(io, task);
  CHECK_THROWS_AS(task.result(), boost::system::system_error);
  CHECK(*unwound == boost::system::error_code(asio::error::operation_aborted).message());
}
