// WebSocketHandler: Tornado's tornado.websocket.WebSocketHandler in C++: a route whose GET upgrades the connection
// to a WebSocket, with Tornado's hooks (open, on_message, on_ping, on_pong, on_close) and calls (write_message,
// ping, close, check_origin, select_subprotocol), and topics (subscribe, Application::publish).
//
//   struct Echo : WebSocketHandler {
//     void on_message(std::string_view message, bool binary) override { write_message(message, binary); }
//   };
//   app.add<Echo>("/ws/echo");
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "core/websocket/websocket_connection.hpp"
#include "native/request_handler.hpp"

namespace updraft {

// write_message() or ping() on a WebSocket that is closed or closing (Tornado's name).
class WebSocketClosedError : public std::runtime_error {
 public:
  WebSocketClosedError() : std::runtime_error("WebSocket closed") {}
};

class WebSocketHandler : public RequestHandler, private websocket::ConnectionUser {
 public:
  // --- hooks ---
  // The WebSocket is open (request() and path_args() are the upgrade request's). May be a coroutine: no message is
  // read until it has finished.
  virtual Task<> open() { return {}; }
  virtual void on_message(std::string_view message, bool binary) {}
  virtual void on_ping(std::string_view data) {}
  virtual void on_pong(std::string_view data) {}
  // The connection closed; close_code() and close_reason() say how, if the peer sent a Close frame.
  virtual void on_close() {}
  // An Origin whose host is not the request's Host is refused with 403 (Tornado's default); no Origin is allowed.
  virtual bool check_origin(std::string_view origin);
  // One of the subprotocols the client offered, or none.
  virtual std::optional<std::string> select_subprotocol(const std::vector<std::string>& offered) { return {}; }
  // The limits and pings of this WebSocket: by default the application's websocket_options() (Tornado's
  // websocket_max_message_size, default 10 MiB, websocket_ping_interval and websocket_ping_timeout).
  virtual websocket::ConnectionOptions connection_options();
  // Tornado's get_compression_options(): permessage-deflate's settings when the client offers it, or none (no
  // compression). Default: connection_options().deflate if it is enabled (it is not unless the app enables it).
  virtual std::optional<websocket::DeflateOptions> get_compression_options();

  // --- calls ---
  // Sends a text (or binary) message; co_await the result to wait until the connection's queue is under its low
  // watermark. WebSocketClosedError once the connection is closing.
  Stream::WriteAwaiter write_message(std::string_view message, bool binary = false);
  Stream::WriteAwaiter write_message(const char* message) { return write_message(std::string_view(message)); }
  Stream::WriteAwaiter write_message(const std::string& message, bool binary = false) {
    return write_message(std::string_view(message), binary);
  }
  // Sends JSON as a text message.
  Stream::WriteAwaiter write_message(const boost::json::value& json);
  void ping(std::string_view data = {});
  // Starts the closing handshake; the peer has close_timeout to answer, then the connection is aborted.
  void close(std::uint16_t code = websocket::kCloseNormal, std::string_view reason = {});
  // Messages published to topic (Application::publish, from any loop or thread) are sent to this WebSocket, until
  // unsubscribe() or its end.
  void subscribe(std::string_view topic);
  void unsubscribe(std::string_view topic);
  std::optional<std::uint16_t> close_code() const;
  const std::string& close_reason() const;
  const std::string& selected_subprotocol() const;

  // The handshake (RFC 6455 4.2): 400 or 426 for a bad one, 403 for a foreign origin, else 101 and open().
  void get();

 private:
  // websocket::ConnectionUser
  void message_received(std::string_view message, bool binary) override;
  void ping_received(std::string_view data) override { on_ping(data); }
  void pong_received(std::string_view data) override { on_pong(data); }
  void connection_closed(std::uint16_t code, std::string_view reason) override;
  websocket::WebSocketConnection& connection();
  void opened();

  websocket::WebSocketConnection* connection_ = nullptr;
  std::unique_ptr<std::string> subprotocol_;  // if one was selected (most WebSockets have none: 24 bytes fewer)
  Task<> open_task_;  // a coroutine open() still running
};

}  // namespace updraft
