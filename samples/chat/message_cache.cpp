// MessageCache: a bounded deque of messages with increasing ids.
#include "samples/chat/message_cache.hpp"

#include <algorithm>

namespace chat {

const Message& MessageCache::add(std::string body) {
  messages_.push_back(make_message(++last_id_, std::move(body)));
  if (messages_.size() > kCapacity) messages_.pop_front();
  return messages_.back();
}

std::vector<Message> MessageCache::since(std::optional<std::uint64_t> cursor) const {
  if (!cursor || *cursor > last_id_) return {messages_.begin(), messages_.end()};
  auto newer = std::find_if(messages_.begin(), messages_.end(), [&](const Message& m) { return m.id > *cursor; });
  return {newer, messages_.end()};
}

}  // namespace chat
