// ChatRoom: one lock around the cache and the waiters, so that a message is cached, published and announced in id
// order, and a poller never misses the message that comes between its look at the cache and its wait.
#include "samples/chat/chat_room.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <utility>

#include <boost/json/serialize.hpp>

#include "core/net/loop.hpp"
#include "native/application.hpp"

namespace chat {

// A suspended poller: the room hands it to its loop, where only that loop's thread touches the handle (cleared once
// resumed or cancelled, so a wake-up already posted for a poller that left does nothing).
struct ChatRoom::Waiter {
  updraft::Loop& loop;
  std::coroutine_handle<> handle;
};

Message ChatRoom::add(std::string_view body, const updraft::Application& app) {
  check_body(body);
  std::lock_guard lock(mutex_);
  Message message = cache_.add(std::string(body));
  app.publish(kTopic, boost::json::serialize(to_json(message)));
  for (auto& waiter : std::exchange(waiters_, {})) {
    waiter->loop.post([waiter] {
      if (auto handle = std::exchange(waiter->handle, {})) handle.resume();
    });
  }
  return message;
}

std::vector<Message> ChatRoom::messages() const {
  std::lock_guard lock(mutex_);
  return cache_.since(std::nullopt);
}

bool ChatRoom::Wait::suspend(std::coroutine_handle<> handle) {
  std::lock_guard lock(room_.mutex_);
  messages_ = room_.cache_.since(cursor_);
  if (!messages_.empty()) return false;
  waiter_ = std::make_shared<Waiter>(Waiter{loop_, handle});
  room_.waiters_.push_back(waiter_);
  spdlog::debug("chat: a poller waits on thread {} ({} waiting)", gettid(), room_.waiters_.size());
  return true;
}

std::vector<Message> ChatRoom::Wait::resume() {
  if (messages_.empty()) {
    std::lock_guard lock(room_.mutex_);
    messages_ = room_.cache_.since(cursor_);
  }
  return std::move(messages_);
}

void ChatRoom::Wait::cancel() {
  if (!waiter_ || !waiter_->handle) return;
  waiter_->handle = {};
  std::lock_guard lock(room_.mutex_);
  std::erase(room_.waiters_, waiter_);
  spdlog::debug("chat: a waiting poller left ({} waiting)", room_.waiters_.size());
}

}  // namespace chat
