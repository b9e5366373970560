// Unit tests for Topics: a publish from any thread reaches the subscribers of every loop once, as one encoded frame,
// in the order of the publishes;
// subscribing twice, unsubscribing and the last subscriber of a loop leaving; the broker hears of a topic when its
// first subscriber in the process comes and its last leaves, takes the publishes, and when it cannot, they stay local.
#include <catch2/catch.hpp>

#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/net/loop.hpp"
#include "core/websocket/frame_writer.hpp"
#include "core/websocket/topics.hpp"

using namespace updraft;
using namespace updraft::websocket;

namespace {

// A loop on its own thread.
struct LoopThread {
  Loop loop;
  std::thread thread{[this] { loop.run(); }};
  ~LoopThread() {
    loop.post([this] { loop.stop(); });
    thread.join();
  }
  // Runs fn on the loop thread and waits for it (so what it posted before has run too).
  void on_loop(const std::function<void()>& fn) {
    std::promise<void> done;
    loop.post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }
};

struct Recorder : Subscriber {
  explicit Recorder(Loop& l) : loop(l) {}
  void deliver(const std::string& frame) override {
    std::lock_guard lock(mutex);
    frames.push_back(loop.in_loop_thread() ? frame : "delivered off its loop thread");
  }
  std::vector<std::string> received() {
    std::lock_guard lock(mutex);
    return frames;
  }
  Loop& loop;
  std::mutex mutex;
  std::vector<std::string> frames;
};

struct RecordingBroker : Broker {
  bool publish(std::string_view topic, std::string_view message, bool) override {
    events.push_back("publish " + std::string(topic) + " " + std::string(message));
    return accepts;
  }
  void subscribe(std::string_view topic) override { events.push_back("subscribe " + std::string(topic)); }
  void unsubscribe(std::string_view topic) override { events.push_back("unsubscribe " + std::string(topic)); }
  bool accepts = true;
  std::vector<std::string> events;  // from loop threads and the test's, one at a time in these tests
};

std::string text_frame(std::string_view message) {
  std::string frame;
  append_frame(frame, Opcode::text, message);
  return frame;
}

}  // namespace

TEST_CASE("a publish from any thread reaches every loop's subscribers once") {
  Topics topics;
  LoopThread a, b;
  Recorder on_a(a.loop), also_on_a(a.loop), on_b(b.loop), elsewhere(b.loop);
  a.on_loop([&] {
    topics.subscribe(a.loop, "news", on_a);
    topics.subscribe(a.loop, "news", on_a);  // twice: still one subscription
    topics.subscribe(a.loop, "news", also_on_a);
  });
  b.on_loop([&] {
    topics.subscribe(b.loop, "news", on_b);
    topics.subscribe(b.loop, "sport", elsewhere);
  });
  CHECK(topics.subscriptions() == 4);

  topics.publish("news", "from the test's thread");
  a.on_loop([] {});
  b.on_loop([] {});
  const std::vector<std::string> expected{text_frame("from the test's thread")};
  CHECK(on_a.received() == expected);
  CHECK(also_on_a.received() == expected);
  CHECK(on_b.received() == expected);
  CHECK(elsewhere.received().empty());

  SECTION("publishes from two loops, one after the other, reach every subscriber in that order") {
    // b publishes after a did, from a turn that began before a's publish was posted to b, and while a's turn that
    // published still runs (Asio queues a post made on a loop's own thread only when the turn ends).
    std::promise<void> a_published, b_published;
    b.loop.post([&, after = a_published.get_future().share()] {
      after.wait();
      topics.publish("news", "second, from b");
      b_published.set_value();
    });
    a.on_loop([&] {
      topics.publish("news", "first, from a", true);
      a_published.set_value();
      b_published.get_future().wait();
    });
    b.on_loop([] {});
    a.on_loop([] {});
    std::string binary;
    append_frame(binary, Opcode::binary, "first, from a");
    const std::vector<std::string> in_order{text_frame("from the test's thread"), binary, text_frame("second, from b")};
    CHECK(on_a.received() == in_order);
    CHECK(on_b.received() == in_order);
  }

  SECTION("unsubscribed, they get nothing more; a loop whose last subscriber left gets no posts") {
    a.on_loop([&] {
      topics.unsubscribe(a.loop, "news", on_a);
      topics.unsubscribe(a.loop, "news", also_on_a);
      topics.unsubscribe(a.loop, "news", also_on_a);  // twice: nothing happens
    });
    b.on_loop([&] { topics.unsubscribe(b.loop, "sport", elsewhere); });
    CHECK(topics.subscriptions() == 1);
    topics.publish("news", "second");
    a.on_loop([] {});
    b.on_loop([] {});
    CHECK(on_a.received().size() == 1);
    CHECK(on_b.received() == std::vector<std::string>{text_frame("from the test's thread"), text_frame("second")});
    b.on_loop([&] { topics.unsubscribe(b.loop, "news", on_b); });
    CHECK(topics.subscriptions() == 0);
  }

  a.on_loop([&] {
    topics.unsubscribe(a.loop, "news", on_a);
    topics.unsubscribe(a.loop, "news", also_on_a);
  });
  b.on_loop([&] {
    topics.unsubscribe(b.loop, "news", on_b);
    topics.unsubscribe(b.loop, "sport", elsewhere);
  });
}

TEST_CASE("the broker hears of a topic's first and last subscriber in the process, and takes the publishes") {
  Topics topics;
  RecordingBroker broker;
  LoopThread a, b;
  Recorder on_a(a.loop), on_b(b.loop);
  a.on_loop([&] { topics.subscribe(a.loop, "before", on_a); });
  topics.set_broker(&broker);  // told of the topics subscribed before it came
  a.on_loop([&] { topics.subscribe(a.loop, "t", on_a); });
  b.on_loop([&] { topics.subscribe(b.loop, "t", on_b); });
  CHECK(broker.events == std::vector<std::string>{"subscribe before", "subscribe t"});

  topics.publish("t", "via the broker");
  a.on_loop([] {});
  CHECK(broker.events.back() == "publish t via the broker");
  CHECK(on_a.received().empty());  // it comes back through deliver(), from the broker

  topics.deliver("t", "back from the broker", false);
  broker.accepts = false;  // the broker is down: the publish stays in the process
  topics.publish("t", "local");
  a.on_loop([] {});
  b.on_loop([] {});
  const std::vector<std::string> expected{text_frame("back from the broker"), text_frame("local")};
  CHECK(on_a.received() == expected);
  CHECK(on_b.received() == expected);

  a.on_loop([&] {
    topics.unsubscribe(a.loop, "t", on_a);
    topics.unsubscribe(a.loop, "before", on_a);
  });
  CHECK(broker.events.back() == "unsubscribe before");
  b.on_loop([&] { topics.unsubscribe(b.loop, "t", on_b); });
  CHECK(broker.events.back() == "unsubscribe t");
  topics.set_broker(nullptr);
}
