// ChatRoom: the one chat of the process, shared by every loop thread: its message cache, the WebSocket topic its
// messages are published to, and the long-polling clients waiting for the next message.
#pragma once

#include <coroutine>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "samples/chat/message_cache.hpp"

namespace updraft {
class Application;
class Loop;
}  // namespace updraft

namespace chat {

// The topic every chat WebSocket subscribes to.
inline constexpr std::string_view kTopic = "chat";

class ChatRoom {
  struct Waiter;

 public:
  // Waits for messages newer than a cursor without blocking the loop: a handler keeps one (for its
  // on_connection_close) and does `co_await wait` in its coroutine, which answers at once if there are some, else
  // resumes on the handler's loop once one comes.
  class Wait {
   public:
    Wait(ChatRoom& room, updraft::Loop& loop, std::optional<std::uint64_t> cursor)
        : room_(room), loop_(loop), cursor_(cursor) {}
    Wait(const Wait&) = delete;
    Wait& operator=(const Wait&) = delete;
    // Only refers to its Wait: GCC 12 copies an awaiter reached through a call returning a reference (`co_await
    // *optional`), which would leave the registration in the copy.
    struct Awaiter {
      Wait& wait;
      bool await_ready() const noexcept { return false; }
      bool await_suspend(std::coroutine_handle<> handle) { return wait.suspend(handle); }
      std::vector<Message> await_resume() { return wait.resume(); }
    };
    Awaiter operator co_await() { return {*this}; }
    // On the handler's loop (its on_connection_close): the waiting coroutine will not be resumed.
    void cancel();

   private:
    bool suspend(std::coroutine_handle<> handle);
    std::vector<Message> resume();

    ChatRoom& room_;
    updraft::Loop& loop_;
    std::optional<std::uint64_t> cursor_;
    std::shared_ptr<Waiter> waiter_;  // while registered in the room
    std::vector<Message> messages_;
  };

  // From any thread: checks body (std::invalid_argument says what is wrong with it), caches it as the next message,
  // publishes it to kTopic through app and wakes every waiting poller, each on its own loop.
  Message add(std::string_view body, const updraft::Application& app);
  // The cached messages, oldest first.
  std::vector<Message> messages() const;

 private:
  mutable std::mutex mutex_;
  MessageCache cache_;
  std::vector<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace chat
