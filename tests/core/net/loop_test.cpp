// Unit tests for Loop::post() across threads: posts from several threads all run on the loop, each thread's in order,
// with the loop woken for them; a post to a loop that has gone through a kept inbox is dropped, not run.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "core/net/loop.hpp"
#include "core/net/loop_inbox.hpp"

using namespace updraft;
using namespace std::chrono_literals;

TEST_CASE("posts from other threads run on the loop thread, each thread's in order", "[loop]") {
  Loop loop;
  std::thread runner([&] { loop.run(); });
  constexpr int kThreads = 4, kPosts = 20000;
  std::vector<int> last(kThreads, -1);  // touched on the loop thread only
  std::atomic<int> out_of_order{0}, off_thread{0}, ran{0};
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&, t] {
      for (int i = 0; i < kPosts; ++i) {
        loop.post([&, t, i] {
          if (!loop.in_loop_thread()) off_thread.fetch_add(1);
          if (last[t] != i - 1) out_of_order.fetch_add(1);
          last[t] = i;
          ran.fetch_add(1);
        });
      }
    });
  }
  for (auto& p : posters) p.join();
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (ran.load() < kThreads * kPosts && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  loop.post([&] { loop.stop(); });
  runner.join();
  CHECK(ran.load() == kThreads * kPosts);
  CHECK(out_of_order.load() == 0);
  CHECK(off_thread.load() == 0);
}

TEST_CASE("a loop sleeping in its poll wakes for a single post", "[loop]") {
  Loop loop;
  std::thread runner([&] { loop.run(); });
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(2ms);  // the loop is idle, waiting in epoll
    std::promise<void> ran;
    loop.post([&] { ran.set_value(); });
    REQUIRE(ran.get_future().wait_for(5s) == std::future_status::ready);
  }
  loop.post([&] { loop.stop(); });
  runner.join();
}

TEST_CASE("a post through the inbox of a loop that has gone is dropped", "[loop]") {
  std::shared_ptr<LoopInbox> inbox;
  auto token = std::make_shared<int>(0);
  {
    Loop loop;
    inbox = loop.inbox();
    inbox->post([token] { *token = 1; });  // queued, never run: the loop never runs
  }
  CHECK(token.use_count() == 1);  // the queued closure went with the loop
  inbox->post([token] { *token = 2; });
  CHECK(token.use_count() == 1);  // dropped at once
  CHECK(*token == 0);
}
