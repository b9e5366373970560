// WebSocketConnection: frames in (FrameParser) and out (frame_writer) on a Stream, topics, pings and the closing
// handshake.
#include "core/websocket/websocket_connection.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "core/net/metrics.hpp"
#include "core/websocket/deflate_codec.hpp"
#include "core/websocket/frame_writer.hpp"
#include "core/websocket/utf8.hpp"

namespace updraft::websocket {

namespace {
// Process-wide counts for /metrics.
struct WebSocketMetrics {
  std::atomic<std::int64_t> open{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> slow_closed{0};
};

WebSocketMetrics& metrics() {
  static WebSocketMetrics m;
  static std::once_flag registered;
  std::call_once(registered, [] {
    Metrics& registry = Metrics::instance();
    registry.add_sampler("updraft_websocket_connections", "Open WebSocket connections.", "gauge",
                         [] { return static_cast<double>(m.open.load(std::memory_order_relaxed)); });
    registry.add_sampler("updraft_websocket_messages_dropped_total",
                         "Messages not sent to a WebSocket peer that had too much output waiting.", "counter",
                         [] { return static_cast<double>(m.dropped.load(std::memory_order_relaxed)); });
    registry.add_sampler("updraft_websocket_slow_peers_closed_total",
                         "WebSocket connections closed (1008) for having too much output waiting.", "counter",
                         [] { return static_cast<double>(m.slow_closed.load(std::memory_order_relaxed)); });
  });
  return m;
}

using Clock = std::chrono::steady_clock;
Clock::duration to_clock(std::chrono::duration<float> d) { return std::chrono::duration_cast<Clock::duration>(d); }

FrameOptions with_deflate(FrameOptions options, bool deflate) {
  options.deflate = deflate;
  return options;
}

// Tornado's default ping timeout: the greater of 3 intervals and 30 s.
std::chrono::duration<double> effective_ping_timeout(const ConnectionOptions& o) {
  if (o.ping_timeout > std::chrono::duration<double>::zero()) return o.ping_timeout;
  return std::max<std::chrono::duration<double>>(3 * o.ping_interval, std::chrono::seconds(30));
}

// A loop thread's room for one message being inflated or deflated; what a huge message grew is given back after it.
struct Scratch {
  std::string bytes;
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  std::string& clear() {
    bytes.clear();
    return bytes;
  }
  void trim() {
    if (bytes.capacity() > (1u << 20)) std::string().swap(bytes);
  }
};
thread_local Scratch inflated, deflated;
}  // namespace

WebSocketConnection::Settings::Settings(const ConnectionOptions& o)
    : close_timeout(o.close_timeout),
      ping_interval(o.ping_interval),
      ping_timeout(effective_ping_timeout(o)),
      slow_peer(o.slow_peer),
      max_buffered_output(o.max_buffered_output) {}

struct WebSocketConnection::Compression {
  Compression(const DeflateParameters& agreed, const DeflateOptions& options)
      : deflater(agreed, options), inflater(agreed) {}
  MessageDeflater deflater;
  MessageInflater inflater;
};

WebSocketConnection::WebSocketConnection(Stream& stream, ConnectionUser& user, std::unique_ptr<RequestHead> head,
                                         std::unique_ptr<RequestDelegate> owner, ConnectionOptions options,
                                         const std::optional<DeflateParameters>& deflate)
    : stream_(stream),
      user_(user),
      head_(std::move(head)),
      owner_(std::move(owner)),
      settings_(options),
      parser_(with_deflate(options.frames, deflate.has_value())) {
  if (deflate) compression_ = std::make_unique<Compression>(*deflate, options.deflate);
  head_->shrink_to_fit();
  metrics().open.fetch_add(1, std::memory_order_relaxed);
  if (settings_.ping_interval > std::chrono::duration<float>::zero()) {
    last_ping_ = last_pong_ = Clock::now();
    schedule_ping();
  }
}

WebSocketConnection::~WebSocketConnection() {
  unsubscribe_all();
  metrics().open.fetch_sub(1, std::memory_order_relaxed);
}

Stream::WriteAwaiter WebSocketConnection::send(std::string_view message, bool binary) {
  if (closing()) throw StreamClosedError();
  if (!has_room()) return stream_.write({});
  const Opcode opcode = binary ? Opcode::binary : Opcode::text;
  if (!compression_) {
    append_frame(stream_.output(), opcode, message);
  } else {
    std::string& packed = deflated.clear();
    compression_->deflater.compress(message, packed);
    append_frame(stream_.output(), opcode, packed, {.compressed = true});
    deflated.trim();
  }
  return stream_.write({});
}

void WebSocketConnection::deliver(const std::string& frame) {
  if (closing() || !has_room()) return;
  stream_.write(frame);
}

bool WebSocketConnection::has_room() {
  if (stream_.write_buffer_size() < settings_.max_buffered_output) return true;
  if (settings_.slow_peer == SlowPeerPolicy::drop) {
    metrics().dropped.fetch_add(1, std::memory_order_relaxed);
  } else {
    metrics().slow_closed.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("{}: WebSocket closed: more than {} bytes waiting for the peer", stream_.peer_address(),
                 settings_.max_buffered_output);
    close(kClosePolicyViolation, "too slow");
  }
  return false;
}

// The topics of a connection that subscribed to any (most connections of a chat do, most of an API do not).
struct WebSocketConnection::Subscriptions {
  Topics* topics;
  std::vector<std::string> names;
};

void WebSocketConnection::subscribe(Topics& topics, std::string_view topic) {
  if (stream_.closed()) return;
  if (!subscriptions_) subscriptions_ = std::make_unique<Subscriptions>(Subscriptions{&topics, {}});
  if (subscriptions_->topics != &topics)
    throw std::logic_error("a WebSocket subscribes to the topics of one Topics only");
  std::vector<std::string>& names = subscriptions_->names;
  if (std::find(names.begin(), names.end(), topic) != names.end()) return;
  topics.subscribe(stream_.loop(), topic, *this);
  names.emplace_back(topic);
}

void WebSocketConnection::unsubscribe(std::string_view topic) {
  if (!subscriptions_) return;
  std::vector<std::string>& names = subscriptions_->names;
  auto it = std::find(names.begin(), names.end(), topic);
  if (it == names.end()) return;
  subscriptions_->topics->unsubscribe(stream_.loop(), topic, *this);
  names.erase(it);
}

void WebSocketConnection::unsubscribe_all() {
  if (!subscriptions_) return;
  for (const std::string& topic : subscriptions_->names) subscriptions_->topics->unsubscribe(stream_.loop(), topic, *this);
  subscriptions_.reset();
}

void WebSocketConnection::schedule_ping() {
  timer_ = stream_.loop().call_later(to_clock(settings_.ping_interval), [this] { ping_due(); });
}

// Tornado's periodic ping: closes when the last ping has waited longer than ping_timeout for its pong.
void WebSocketConnection::ping_due() {
  if (closing()) return;
  const Clock::time_point now = Clock::now();
  if (last_ping_ > last_pong_ && now - last_pong_ > to_clock(settings_.ping_timeout)) {
    spdlog::info("{}: WebSocket closed: no pong for {:.1f} s", stream_.peer_address(),
                 std::chrono::duration<double>(now - last_pong_).count());
    return close(kCloseInternalError, "ping timeout");
  }
  append_frame(stream_.output(), Opcode::ping, {});
  stream_.write({});
  last_ping_ = now;
  schedule_ping();
}

void WebSocketConnection::ping(std::string_view data) {
  if (closing()) throw StreamClosedError();
  append_frame(stream_.output(), Opcode::ping, data);
  stream_.write({});
}

void WebSocketConnection::close(std::uint16_t code, std::string_view reason) {
  if (closing()) return;
  send_close(code, reason);
  timer_ = stream_.loop().call_later(to_clock(settings_.close_timeout),
                                     [this] { stream_.close("no Close frame from the peer in time"); });
}

void WebSocketConnection::send_close(std::uint16_t code, std::string_view reason) {
  close_sent_ = true;
  append_close(stream_.output(), code, reason);
  stream_.write({});
}

void WebSocketConnection::resume_reading() {
  if (!paused_) return;
  paused_ = false;
  if (!stream_.closed()) stream_.start_reading();
}

void WebSocketConnection::on_data(Stream& stream) {
  if (paused_) return stream.stop_reading();  // the bytes wait in the stream's buffer
  while (!stream.closed()) {
    FrameParser::Event e = parser_.next(stream.buffered());
    stream.consume(e.consumed);
    switch (e.kind) {
      case FrameParser::Kind::need_more:
        if (stream.at_end()) stream.close("the peer ended the connection without a Close frame");
        return;
      case FrameParser::Kind::error:
        return fail(e.code, e.payload);
      case FrameParser::Kind::text:
      case FrameParser::Kind::binary: {
        if (close_sent_) break;
        std::string_view message = e.payload;
        if (e.compressed) {
          if (std::uint16_t refused = inflate(e.payload, e.kind == FrameParser::Kind::text, message))
            return fail(refused, message);
        }
        user_.message_received(message, e.kind == FrameParser::Kind::binary);
        inflated.trim();
        break;
      }
      case FrameParser::Kind::ping:
        if (!close_sent_) {
          append_frame(stream.output(), Opcode::pong, e.payload);
          stream.write({});
          user_.ping_received(e.payload);
        }
        break;
      case FrameParser::Kind::pong:
        last_pong_ = Clock::now();
        user_.pong_received(e.payload);
        break;
      case FrameParser::Kind::close:
        close_code_ = e.code;
        close_reason_ = e.payload;
        timer_.cancel();
        // The answer echoes the code (RFC 6455 5.5.1); a Close frame without one gets one without one.
        if (!close_sent_) send_close(e.code, {});
        stream.stop_reading();
        return stream.close_after_writes(Stream::Linger::always);
    }
  }
}

void WebSocketConnection::fail(std::uint16_t code, std::string_view reason) {
  spdlog::debug("{}: WebSocket closed with {}: {}", stream_.peer_address(), code, reason);
  timer_.cancel();
  if (!close_sent_) send_close(code, reason);
  stream_.stop_reading();
  stream_.close_after_writes(Stream::Linger::always);
}

std::uint16_t WebSocketConnection::inflate(std::string_view payload, bool text, std::string_view& message) {
  std::string& out = inflated.clear();
  const MessageInflater::Result result =
      compression_->inflater.decompress(payload, parser_.max_message_size(), out);
  if (result == MessageInflater::Result::too_big) message = "message too big";
  else if (result == MessageInflater::Result::invalid) message = "invalid compressed data";
  else if (text && !is_valid_utf8(out)) message = "invalid UTF-8";
  else {
    message = out;
    return 0;
  }
  return result == MessageInflater::Result::ok ? kCloseInvalidPayload : websocket::close_code(result);
}

void WebSocketConnection::on_close(Stream&) {
  timer_.cancel();
  unsubscribe_all();
  user_.connection_closed(close_code_, close_reason_);
}

// A WebSocket has no read timeout of its own (pings keep it checked); a drain closes it as going away.
void WebSocketConnection::on_timeout(Stream&) {}

void WebSocketConnection::on_drain(Stream&) { close(kCloseGoingAway, "server shutting down"); }

}  // namespace updraft::websocket
