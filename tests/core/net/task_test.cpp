// Task<T>: values, exceptions, awaiting, destruction while suspended, cancellation; use_task on a real io_context.
#include "core/net/task.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/net/use_task.hpp"
#include "support/run_task.hpp"

using namespace updraft;
using updraft::test::run_until_done;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// Suspends its coroutine until the test calls fire(): a stand-in for an event source without a loop.
struct Trigger {
  std::coroutine_handle<> waiter;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) { waiter = h; }
  void await_resume() const noexcept {}
  void fire() { std::exchange(waiter, {}).resume(); }
};

// Sets a flag when destroyed: shows a coroutine's locals were destroyed.
struct DestroyFlag {
  bool& destroyed;
  ~DestroyFlag() { destroyed = true; }
};

Task<int> forty_two() { co_return 42; }

Task<int> add_after(Trigger& trigger, int a, int b) {
  co_await trigger;
  co_return a + b;
}

Task<std::string> describe(Trigger& trigger) {
  int sum = co_await add_after(trigger, 2, 3);
  int answer = co_await forty_two();
  co_return std::to_string(sum) + " " + std::to_string(answer);
}

Task<int> fail_after(Trigger& trigger) {
  co_await trigger;
  throw std::runtime_error("failed after a suspension");
}

Task<std::string> catch_failure(Trigger& trigger) {
  try {
    co_await fail_after(trigger);
  } catch (const std::runtime_error& e) {
    co_return std::string("caught: ") + e.what();
  }
  co_return "not thrown";
}

}  // namespace

TEST_CASE("Task<int> returns its value", "[task]") {
  auto task = forty_two();
  REQUIRE(task.done());
  CHECK(task.result() == 42);
}

TEST_CASE("Task<std::string> awaits tasks that suspend and returns their values", "[task]") {
  Trigger trigger;
  auto task = describe(trigger);
  CHECK_FALSE(task.done());
  CHECK_THROWS_AS(task.result(), std::logic_error);
  trigger.fire();
  REQUIRE(task.done());
  CHECK(task.result() == "5 42");
}

TEST_CASE("Task<T> carries move-only values", "[task]") {
  auto task = []() -> Task<std::unique_ptr<int>> { co_return std::make_unique<int>(7); }();
  auto outer = [](Task<std::unique_ptr<int>>& inner) -> Task<int> { co_return *co_await inner; }(task);
  CHECK(outer.result() == 7);
}

TEST_CASE("an exception crosses co_await and result()", "[task]") {
  Trigger trigger;
  auto caught = catch_failure(trigger);
  trigger.fire();
  CHECK(caught.result() == "caught: failed after a suspension");

  Trigger second;
  auto failing = fail_after(second);
  second.fire();
  REQUIRE(failing.done());
  CHECK_THROWS_WITH(failing.result(), "failed after a suspension");
  CHECK_THROWS_AS(failing.rethrow_if_failed(), std::runtime_error);
}

TEST_CASE("Task<> default-constructed is finished; on_done runs at the end", "[task]") {
  Task<> finished;
  CHECK(finished.done());
  Trigger trigger;
  bool ran = false;
  auto task = [](Trigger& t) -> Task<> { co_await t; }(trigger);
  task.on_done([&] { ran = true; });
  CHECK_FALSE(ran);
  trigger.fire();
  CHECK(ran);
}

TEST_CASE("destroying a suspended task destroys its frame and its awaited child", "[task]") {
  bool outer_local = false;
  bool inner_local = false;
  Trigger trigger;
  {
    auto task = [](Trigger& t, bool& outer, bool& inner) -> Task<int> {
      DestroyFlag flag{outer};
      co_return co_await [](Trigger& t2, bool& inner2) -> Task<int> {
        DestroyFlag flag2{inner2};
        co_await t2;
        co_return 1;
      }(t, inner);
    }(trigger, outer_local, inner_local);
    CHECK_FALSE(outer_local);
  }
  CHECK(outer_local);
  CHECK(inner_local);
}

TEST_CASE("a task that outlives the coroutine awaiting it resumes nobody", "[task]") {
  Trigger trigger;
  auto child = add_after(trigger, 1, 1);
  bool awaiting_destroyed = false;
  {
    auto awaiting = [](Task<int>& c, bool& destroyed) -> Task<int> {
      DestroyFlag flag{destroyed};
      co_return co_await c;
    }(child, awaiting_destroyed);
  }
  CHECK(awaiting_destroyed);
  trigger.fire();  // would resume the destroyed coroutine if the child still knew it
  CHECK(child.result() == 2);
}

TEST_CASE("use_task awaits an Asio timer", "[task][asio]") {
  asio::io_context io;
  auto task = [](asio::io_context& io) -> Task<std::chrono::milliseconds> {
    auto start = std::chrono::steady_clock::now();
    asio::steady_timer timer(io, 30ms);
    co_await timer.async_wait(use_task);
    co_return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  }(io);
  CHECK_FALSE(task.done());
  run_until_done(io, task);
  CHECK(task.result() >= 30ms);
}

TEST_CASE("cancel() aborts the Asio operation a task waits on, through awaited tasks", "[task][asio]") {
  asio::io_context io;
  asio::steady_timer timer(io, 1h);
  auto wait = [](asio::steady_timer& t) -> Task<std::string> {
    try {
      co_await t.async_wait(use_task);
    } catch (const boost::system::system_error& e) {
      co_return e.code() == asio::error::operation_aborted ? "aborted" : e.code().message();
    }
    co_return "expired";
  };
  auto outer = [&]() -> Task<std::string> { co_return "outer " + co_await wait(timer); }();
  io.poll();
  CHECK_FALSE(outer.done());
  outer.cancel();
  run_until_done(io, outer);
  CHECK(outer.result() == "outer aborted");
}

TEST_CASE("as_tuple(use_task) gives the error as a value", "[task][asio]") {
  asio::io_context io;
  asio::steady_timer timer(io, 1h);
  auto task = [](asio::steady_timer& t) -> Task<boost::system::error_code> {
    auto [ec] = co_await t.async_wait(asio::as_tuple(use_task));
    co_return ec;
  }(timer);
  task.cancel();
  run_until_done(io, task);
  CHECK(task.result() == asio::error::operation_aborted);
}

TEST_CASE("destroying a task waiting on an Asio operation leaves the operation harmless", "[task][asio]") {
  asio::io_context io;
  bool local_destroyed = false;
  {
    auto task = [](asio::io_context& io, bool& destroyed) -> Task<> {
      DestroyFlag flag{destroyed};
      asio::steady_timer timer(io, 20ms);
      co_await timer.async_wait(use_task);
      throw std::logic_error("resumed after destruction");
    }(io, local_destroyed);
    io.poll();
  }
  CHECK(local_destroyed);
  // The timer died with the frame: its wait completes with operation_aborted into the abandoned handler.
  io.run_for(100ms);
  CHECK(io.stopped());
}
