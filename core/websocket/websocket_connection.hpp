// WebSocketConnection: the WebSocket protocol on a stream an HTTP connection handed over after its 101: reads frames
// into messages for its user, answers pings, sends messages and runs the closing handshake (RFC 6455 5 and 7).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/http/delegate.hpp"
#include "core/net/loop.hpp"
#include "core/net/stream.hpp"
#include "core/websocket/close_codes.hpp"
#include "core/websocket/frame_parser.hpp"

namespace updraft::websocket {

// What a WebSocket connection tells the code using it. Calls come on the connection's loop thread.
class ConnectionUser {
 public:
  virtual ~ConnectionUser() = default;
  virtual void message_received(std::string_view message, bool binary) = 0;
  // A ping, already answered with its pong.
  virtual void ping_received(std::string_view data) {}
  virtual void pong_received(std::string_view data) {}
  // The connection is closed: the peer's close code and reason, or kCloseAbnormal without a Close frame. The last
  // call; nothing may be sent from here on.
  virtual void connection_closed(std::uint16_t code, std::string_view reason) = 0;
};

struct ConnectionOptions {
  FrameOptions frames;
  // After our Close frame, how long the peer has to answer with its own before the connection is aborted.
  std::chrono::duration<double> close_timeout = std::chrono::seconds(5);
};

class WebSocketConnection final : public StreamHandler {
 public:
  // The request's head and delegate (the user, as a handler of that request) live as long as the connection.
  WebSocketConnection(Stream& stream, ConnectionUser& user, std::unique_ptr<RequestHead> head,
                      std::unique_ptr<RequestDelegate> owner, ConnectionOptions options);
  ~WebSocketConnection() override;

  // Queues a message; co_await the result to wait until the stream's queue is back under its low watermark.
  // StreamClosedError once the connection is closing.
  Stream::WriteAwaiter send(std::string_view message, bool binary);
  void ping(std::string_view data);
  // Starts the closing handshake: our Close frame now, the peer's answer within close_timeout, then the end.
  void close(std::uint16_t code = kCloseNormal, std::string_view reason = {});
  bool closing() const { return close_sent_ || stream_.closed(); }
  const RequestHead& request() const { return *head_; }
  Stream& stream() { return stream_; }

  // StreamHandler
  void on_data(Stream& stream) override;
  void on_close(Stream& stream) override;
  void on_timeout(Stream& stream) override;
  void on_drain(Stream& stream) override;

 private:
  void send_close(std::uint16_t code, std::string_view reason);

  Stream& stream_;
  ConnectionUser& user_;
  std::unique_ptr<RequestHead> head_;
  std::unique_ptr<RequestDelegate> owner_;
  ConnectionOptions options_;
  FrameParser parser_;
  TimerHandle close_timer_;
  std::uint16_t close_code_ = kCloseAbnormal;  // what on_close() reports: the peer's Close frame, if it sent one
  std::string close_reason_;
  bool close_sent_ = false;
};

}  // namespace updraft::websocket
