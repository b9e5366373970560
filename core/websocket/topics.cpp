// Topics: the subscribers of each loop, kept on that loop's thread; publishing encodes a frame once and queues it for
// each loop that has subscribers, in the order of the publishes.
#include "core/websocket/topics.hpp"

#include <algorithm>
#include <unordered_set>

#include "core/net/loop.hpp"
#include "core/websocket/frame_writer.hpp"

namespace updraft::websocket {

struct Topics::LoopTopics {
  explicit LoopTopics(Loop& l) : loop(l) {}

  // On the loop's thread. A subscriber's deliver() never unsubscribes anyone (closing a stream reports it later).
  void deliver(std::string_view topic, const std::string& frame) const {
    auto it = subscribers.find(topic);
    if (it == subscribers.end()) return;
    for (Subscriber* s : it->second) s->deliver(frame);
  }

  // With Topics' lock held, so every loop's queue has the publishes in one order. Asio runs a post made on a loop's own
  // thread only after the running handler, behind posts from other threads, so each publish is not a post of its own:
  // one post drains the queue.
  void enqueue(const std::shared_ptr<LoopTopics>& self, std::string_view topic,
               const std::shared_ptr<const std::string>& frame) {
    bool first;
    {
      std::lock_guard lock(pending_mutex);
      first = pending.empty();
      pending.push_back({std::string(topic), frame});
    }
    if (first) loop.post([self] { self->deliver_pending(); });
  }

  void deliver_pending() {
    std::vector<Pending> ready;
    {
      std::lock_guard lock(pending_mutex);
      ready.swap(pending);
    }
    for (const Pending& p : ready) deliver(p.topic, *p.frame);
  }

  struct Pending {
    std::string topic;
    std::shared_ptr<const std::string> frame;
  };

  Loop& loop;
  std::mutex pending_mutex;
  std::vector<Pending> pending;
  // Changed on the loop's thread with Topics' lock held, read there without it.
  std::unordered_map<std::string, std::unordered_set<Subscriber*>, StringHash, std::equal_to<>> subscribers;
  std::size_t count = 0;
};

Topics::Topics() = default;
Topics::~Topics() = default;

void Topics::set_broker(Broker* broker) {
  std::lock_guard lock(mutex_);
  broker_ = broker;
  if (broker_)
    for (const auto& [topic, count] : topic_counts_) broker_->subscribe(topic);
}

void Topics::publish(std::string_view topic, std::string_view message, bool binary) {
  Broker* broker;
  {
    std::lock_guard lock(mutex_);
    broker = broker_;
  }
  if (!broker || !broker->publish(topic, message, binary)) deliver(topic, message, binary);
}

void Topics::deliver(std::string_view topic, std::string_view message, bool binary) {
  auto frame = std::make_shared<std::string>();
  append_frame(*frame, binary ? Opcode::binary : Opcode::text, message);
  std::lock_guard lock(mutex_);
  if (!topic_counts_.contains(topic)) return;
  // Queued for the publishing loop too: publishes ordered across threads (one after the other under a lock, say)
  // reach every subscriber in that order, which delivering on the spot would break.
  for (const auto& loop_topics : loops_) loop_topics->enqueue(loop_topics, topic, frame);
}

std::shared_ptr<Topics::LoopTopics> Topics::find_loop(const Loop& loop) const {
  auto it = std::find_if(loops_.begin(), loops_.end(), [&](const auto& l) { return &l->loop == &loop; });
  return it == loops_.end() ? nullptr : *it;
}

void Topics::subscribe(Loop& loop, std::string_view topic, Subscriber& subscriber) {
  loop.assert_in_loop_thread("Topics::subscribe");
  std::lock_guard lock(mutex_);
  std::shared_ptr<LoopTopics> loop_topics = find_loop(loop);
  if (!loop_topics) loop_topics = loops_.emplace_back(std::make_shared<LoopTopics>(loop));
  auto it = loop_topics->subscribers.find(topic);
  if (it == loop_topics->subscribers.end()) it = loop_topics->subscribers.emplace(topic, 0).first;
  if (!it->second.insert(&subscriber).second) return;
  ++loop_topics->count;
  ++subscriptions_;
  auto counted = topic_counts_.find(topic);
  if (counted == topic_counts_.end()) {
    topic_counts_.emplace(topic, 1);
    if (broker_) broker_->subscribe(topic);
  } else {
    ++counted->second;
  }
}

void Topics::unsubscribe(Loop& loop, std::string_view topic, Subscriber& subscriber) {
  loop.assert_in_loop_thread("Topics::unsubscribe");
  std::lock_guard lock(mutex_);
  std::shared_ptr<LoopTopics> loop_topics = find_loop(loop);
  if (!loop_topics) return;
  auto it = loop_topics->subscribers.find(topic);
  if (it == loop_topics->subscribers.end() || !it->second.erase(&subscriber)) return;
  if (it->second.empty()) loop_topics->subscribers.erase(it);
  if (--loop_topics->count == 0) std::erase(loops_, loop_topics);
  --subscriptions_;
  auto counted = topic_counts_.find(topic);
  if (--counted->second == 0) {
    topic_counts_.erase(counted);
    if (broker_) broker_->unsubscribe(topic);
  }
}

std::size_t Topics::subscriptions() const {
  std::lock_guard lock(mutex_);
  return subscriptions_;
}

}  // namespace updraft::websocket
