// Topics: publish/subscribe for WebSockets across loop threads (uWebSockets' topics): a message published from any
// thread is encoded once and queued for every loop with subscribers, which delivers its queue in one Loop::post.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace updraft {
class Loop;
}

namespace updraft::websocket {

// A connection that receives the frames published to its topics, on its loop thread.
class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // frame: a whole encoded, unmasked frame, shared by every subscriber of the publish.
  virtual void deliver(const std::string& frame) = 0;
};

// Where messages go past this process (a broker such as Redis). Topics tells it which topics have local subscribers;
// it hands every message it receives, its own publishes included, back to Topics::deliver().
class Broker {
 public:
  virtual ~Broker() = default;
  // Any thread; the broker must not call back into Topics from inside. false: the broker cannot take it now (the
  // message then goes to this process's subscribers only).
  virtual bool publish(std::string_view topic, std::string_view message, bool binary) = 0;
  // The first local subscriber of a topic came, or the last one left. Called under Topics' lock: must not block.
  virtual void subscribe(std::string_view topic) = 0;
  virtual void unsubscribe(std::string_view topic) = 0;
};

class Topics {
 public:
  Topics();
  ~Topics();
  Topics(const Topics&) = delete;
  Topics& operator=(const Topics&) = delete;

  // From any thread: every subscriber of topic, on every loop (through the broker, if there is one, in every process),
  // soon after (on the subscriber's loop thread, in a turn of its own). Publishes ordered across threads reach each
  // subscriber in that order.
  void publish(std::string_view topic, std::string_view message, bool binary = false);
  // From any thread: the subscribers of topic in this process; what a broker calls with the messages it receives.
  void deliver(std::string_view topic, std::string_view message, bool binary);

  // On the subscriber's loop thread (loop). A subscriber must unsubscribe from everything before it is destroyed.
  void subscribe(Loop& loop, std::string_view topic, Subscriber& subscriber);
  void unsubscribe(Loop& loop, std::string_view topic, Subscriber& subscriber);

  // Set before the server runs; the broker outlives the server's loops.
  void set_broker(Broker* broker);
  // Subscriptions in this process (all loops), for metrics.
  std::size_t subscriptions() const;

 private:
  struct LoopTopics;
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  std::shared_ptr<LoopTopics> find_loop(const Loop& loop) const;

  mutable std::mutex mutex_;
  // The loops that have subscribers (a loop leaves when its last subscriber does, so every Loop here is alive).
  std::vector<std::shared_ptr<LoopTopics>> loops_;
  // Subscribers per topic in this process: the broker hears of a topic when this goes from 0 to 1 and back.
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> topic_counts_;
  std::size_t subscriptions_ = 0;
  Broker* broker_ = nullptr;
};

}  // namespace updraft::websocket
