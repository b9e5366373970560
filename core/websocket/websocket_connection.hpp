// WebSocketConnection: the WebSocket protocol on a stream an HTTP connection handed over after its 101: reads frames
// into messages for its user, answers pings, sends messages (its own and its topics'), keeps the peer checked with
// pings and runs the closing handshake (RFC 6455 5 and 7).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/delegate.hpp"
#include "core/net/loop.hpp"
#include "core/net/stream.hpp"
#include "core/websocket/close_codes.hpp"
#include "core/websocket/frame_parser.hpp"
#include "core/websocket/permessage_deflate.hpp"
#include "core/websocket/topics.hpp"

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

// What happens to a message for a peer that has more than max_buffered_output bytes still to take.
enum class SlowPeerPolicy : std::uint8_t { drop, close };

struct ConnectionOptions {
  FrameOptions frames;
  // permessage-deflate (RFC 7692), when enabled and the client offers it. Off by default, as in Tornado.
  DeflateOptions deflate;
  // After our Close frame, how long the peer has to answer with its own before the connection is aborted.
  std::chrono::duration<double> close_timeout = std::chrono::seconds(5);
  // Tornado's websocket_ping_interval: a ping every interval (zero: none); websocket_ping_timeout: the connection is
  // closed (1011) when no pong came for that long since a ping (zero: the greater of 3 intervals and 30 s).
  std::chrono::duration<double> ping_interval{0};
  std::chrono::duration<double> ping_timeout{0};
  // The bytes queued for the peer from which a message is not queued: dropped, or the connection closed with 1008
  // (slow_peer), counted in metrics either way. co_await-ing each send keeps a producer well under it.
  std::size_t max_buffered_output = 1 << 20;
  SlowPeerPolicy slow_peer = SlowPeerPolicy::drop;
};

class WebSocketConnection final : public StreamHandler, private Subscriber {
 public:
  // The request's head and delegate (the user, as a handler of that request) live as long as the connection.
  // deflate: the permessage-deflate parameters agreed in the handshake (negotiate_deflate), if any.
  WebSocketConnection(Stream& stream, ConnectionUser& user, std::unique_ptr<RequestHead> head,
                      std::unique_ptr<RequestDelegate> owner, ConnectionOptions options,
                      const std::optional<DeflateParameters>& deflate = std::nullopt);
  ~WebSocketConnection() override;

  // Queues a message; co_await the result to wait until the stream's queue is back under its low watermark.
  // StreamClosedError once the connection is closing. Past max_buffered_output, the slow_peer policy applies.
  Stream::WriteAwaiter send(std::string_view message, bool binary);
  // The messages published to topic (from now on, until unsubscribe() or the end of the connection).
  void subscribe(Topics& topics, std::string_view topic);
  void unsubscribe(std::string_view topic);
  void ping(std::string_view data);
  // No messages for the user until resume_reading() (Tornado holds them while a coroutine open() runs).
  void pause_reading() { paused_ = true; }
  void resume_reading();
  // Starts the closing handshake: our Close frame now, the peer's answer within close_timeout, then the end.
  void close(std::uint16_t code = kCloseNormal, std::string_view reason = {});
  bool closing() const { return close_sent_ || stream_.closed(); }
  // The peer's Close frame's code (kCloseNoStatus if it had none) and reason; kCloseAbnormal before one came.
  std::uint16_t close_code() const { return close_code_; }
  const std::string& close_reason() const { return close_reason_; }
  const RequestHead& request() const { return *head_; }
  Stream& stream() { return stream_; }

  // StreamHandler
  void on_data(Stream& stream) override;
  void on_close(Stream& stream) override;
  void on_timeout(Stream& stream) override;
  void on_drain(Stream& stream) override;

 private:
  void send_close(std::uint16_t code, std::string_view reason);
  // The peer broke the protocol: our Close frame with code, then the end.
  void fail(std::uint16_t code, std::string_view reason);
  // Inflates a compressed message into message (0), or refuses it: the close code, and the reason in message.
  std::uint16_t inflate(std::string_view payload, bool text, std::string_view& message);
  // Subscriber: a published frame, queued unless the peer is too slow.
  void deliver(const std::string& frame) override;
  // Less than max_buffered_output is queued (one message of any size may go on top); else the slow_peer policy.
  bool has_room();
  void schedule_ping();
  void ping_due();
  void unsubscribe_all();

  Stream& stream_;
  ConnectionUser& user_;
  std::unique_ptr<RequestHead> head_;
  std::unique_ptr<RequestDelegate> owner_;
  // The options read after the start, kept small: a connection may idle for hours, and there may be 100,000 of them.
  struct Settings {
    explicit Settings(const ConnectionOptions& options);
    std::chrono::duration<float> close_timeout, ping_interval, ping_timeout;
    SlowPeerPolicy slow_peer;
    std::size_t max_buffered_output;
  };

  Settings settings_;
  FrameParser parser_;
  TimerHandle timer_;  // the next ping, or once closing, the end of the peer's time to answer
  std::chrono::steady_clock::time_point last_ping_{}, last_pong_{};
  struct Compression;
  std::unique_ptr<Compression> compression_;  // with permessage-deflate
  struct Subscriptions;
  std::unique_ptr<Subscriptions> subscriptions_;  // from the first subscribe()
  std::string close_reason_;
  std::uint16_t close_code_ = kCloseAbnormal;  // what on_close() reports: the peer's Close frame, if it sent one
  bool close_sent_ = false;
  bool paused_ = false;
};

}  // namespace updraft::websocket
