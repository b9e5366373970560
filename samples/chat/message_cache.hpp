// MessageCache: the last messages of the chat and the sequence of their ids (not thread-safe: ChatRoom locks it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "samples/chat/message.hpp"

namespace chat {

class MessageCache {
 public:
  static constexpr std::size_t kCapacity = 200;

  // Stores body as the message with the next id, forgetting the oldest one past kCapacity.
  const Message& add(std::string body);
  // The cached messages newer than cursor (the id of the last message a client has), oldest first; all of them
  // without a cursor or with one this cache never gave (as Tornado's demo does with an id it does not know).
  std::vector<Message> since(std::optional<std::uint64_t> cursor) const;

 private:
  std::deque<Message> messages_;
  std::uint64_t last_id_ = 0;
};

}  // namespace chat
