// WebSocketConnection: frames in (FrameParser) and out (frame_writer) on a Stream, and the closing handshake.
#include "core/websocket/websocket_connection.hpp"

#include <spdlog/spdlog.h>

#include "core/websocket/frame_writer.hpp"

namespace updraft::websocket {

WebSocketConnection::WebSocketConnection(Stream& stream, ConnectionUser& user, std::unique_ptr<RequestHead> head,
                                         std::unique_ptr<RequestDelegate> owner, ConnectionOptions options)
    : stream_(stream),
      user_(user),
      head_(std::move(head)),
      owner_(std::move(owner)),
      options_(options),
      parser_(options_.frames) {}

WebSocketConnection::~WebSocketConnection() = default;

Stream::WriteAwaiter WebSocketConnection::send(std::string_view message, bool binary) {
  if (closing()) throw StreamClosedError();
  append_frame(stream_.output(), binary ? Opcode::binary : Opcode::text, message);
  return stream_.write({});
}

void WebSocketConnection::ping(std::string_view data) {
  if (closing()) throw StreamClosedError();
  append_frame(stream_.output(), Opcode::ping, data);
  stream_.write({});
}

void WebSocketConnection::close(std::uint16_t code, std::string_view reason) {
  if (closing()) return;
  send_close(code, reason);
  close_timer_ = stream_.loop().call_later(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(options_.close_timeout),
      [this] { stream_.close("no Close frame from the peer in time"); });
}

void WebSocketConnection::send_close(std::uint16_t code, std::string_view reason) {
  close_sent_ = true;
  append_close(stream_.output(), code, reason);
  stream_.write({});
}

void WebSocketConnection::on_data(Stream& stream) {
  while (!stream.closed()) {
    FrameParser::Event e = parser_.next(stream.buffered());
    stream.consume(e.consumed);
    switch (e.kind) {
      case FrameParser::Kind::need_more:
        if (stream.at_end()) stream.close("the peer ended the connection without a Close frame");
        return;
      case FrameParser::Kind::error:
        spdlog::debug("{}: WebSocket closed with {}: {}", stream.peer_address(), e.code, e.payload);
        if (!close_sent_) send_close(e.code, e.payload);
        stream.stop_reading();
        return stream.close_after_writes(Stream::Linger::always);
      case FrameParser::Kind::text:
      case FrameParser::Kind::binary:
        if (!close_sent_) user_.message_received(e.payload, e.kind == FrameParser::Kind::binary);
        break;
      case FrameParser::Kind::ping:
        if (!close_sent_) {
          append_frame(stream.output(), Opcode::pong, e.payload);
          stream.write({});
          user_.ping_received(e.payload);
        }
        break;
      case FrameParser::Kind::pong:
        user_.pong_received(e.payload);
        break;
      case FrameParser::Kind::close:
        close_code_ = e.code;
        close_reason_ = e.payload;
        close_timer_.cancel();
        // The answer echoes the code (RFC 6455 5.5.1); a Close frame without one gets one without one.
        if (!close_sent_) send_close(e.code, {});
        stream.stop_reading();
        return stream.close_after_writes(Stream::Linger::always);
    }
  }
}

void WebSocketConnection::on_close(Stream&) {
  close_timer_.cancel();
  user_.connection_closed(close_code_, close_reason_);
}

// A WebSocket has no read timeout of its own (pings keep it checked); a drain closes it as going away.
void WebSocketConnection::on_timeout(Stream&) {}

void WebSocketConnection::on_drain(Stream&) { close(kCloseGoingAway, "server shutting down"); }

}  // namespace updraft::websocket
