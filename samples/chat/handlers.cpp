// The chat's handlers, Tornado's demos/websocket (chatdemo.py) and demos/chat in one: both kinds of client share one
// ChatRoom, so a message sent either way reaches the sockets and the pollers.
#include "samples/chat/handlers.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "native/application.hpp"
#include "native/websocket_handler.hpp"
#include "samples/chat/chat_room.hpp"
#include "samples/chat/pages.hpp"

using namespace updraft;

namespace chat {

namespace {

ChatRoom& room() {
  static ChatRoom the_room;
  return the_room;
}

// Form bodies of the API: room for a 10 KiB message however it is percent-encoded, and no more.
constexpr std::uint64_t kMaxFormBytes = 4 * kMaxBodyBytes;

struct WebSocketPageHandler : RequestHandler {
  void get() { write(render_page(Transport::websocket, room().messages())); }
};

struct PollingPageHandler : RequestHandler {
  void get() { write(render_page(Transport::long_polling, room().messages())); }
};

// Receives {"body": text}; every socket (on every loop) gets each message as {"id", "body", "html"}, the sender
// gets {"error": why} for a message refused.
struct ChatSocketHandler : WebSocketHandler {
  Task<> open() override {
    subscribe(kTopic);
    spdlog::debug("chat: a WebSocket opened on thread {}", gettid());
    return {};
  }
  void on_message(std::string_view message, bool binary) override {
    boost::system::error_code ec;
    boost::json::value json = boost::json::parse(message, ec);
    const boost::json::string* body = nullptr;
    if (!ec && json.is_object())
      if (const boost::json::value* field = json.as_object().if_contains("body")) body = field->if_string();
    try {
      if (!body) throw std::invalid_argument("expected {\"body\": text}");
      room().add(*body, application());
    } catch (const std::invalid_argument& e) {
      write_message(boost::json::value{{"error", e.what()}});
    }
  }
};

// The API's errors as {"error": reason}, for the page's script to show.
struct ApiHandler : RequestHandler {
  void write_error(int status) override { write(boost::json::value{{"error", error_reason()}}); }
};

// A path on this site, safe in a Location header: not "//host" nor "/\host" (another site to browsers), no control
// characters.
bool is_local_path(std::string_view path) {
  return path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\") &&
         std::none_of(path.begin(), path.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// Form field body; answers the message as JSON, or redirects to `next` (a path on this site) as the form does
// without JavaScript.
struct MessageNewHandler : ApiHandler {
  void post() {
    const std::string next = get_argument("next", "");
    if (!next.empty() && !is_local_path(next)) throw HTTPError(400, {}, "next must be a path on this site");
    Message message = add(get_argument("body", ""));
    if (next.empty()) write(to_json(message));
    else redirect(next);
  }
  Message add(const std::string& body) {
    try {
      return room().add(body, application());
    } catch (const std::invalid_argument& e) {
      throw HTTPError(400, {}, e.what());
    }
  }
};

// Form field cursor, the id of the last message the client has (none: it has none): answers {"messages": [...]}
// with the newer ones, at once if there are any, else when the next one comes.
struct MessageUpdatesHandler : ApiHandler {
  Task<> post() {
    wait_.emplace(room(), loop(), cursor());
    std::vector<Message> messages = co_await *wait_;
    write(to_json(messages));
  }
  void on_connection_close() override {
    if (wait_) wait_->cancel();
  }
  std::optional<std::uint64_t> cursor() {
    const std::string text = get_argument("cursor", "");
    if (text.empty()) return std::nullopt;
    std::uint64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size()) throw HTTPError(400, {}, "cursor must be a message id");
    return id;
  }
  std::optional<ChatRoom::Wait> wait_;
};

}  // namespace

void add_chat_routes(Application& app) {
  app.add<WebSocketPageHandler>("/");
  app.add<PollingPageHandler>("/poll");
  app.add<ChatSocketHandler>("/chatsocket");
  app.add<MessageNewHandler>("/a/message/new", {.max_body_size = kMaxFormBytes});
  app.add<MessageUpdatesHandler>("/a/message/updates", {.max_body_size = kMaxFormBytes});
}

}  // namespace chat
