// Connection: the per-connection state machine (read, parse, dispatch, write, time out, close) on one loop.
#include "core/connection.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "core/loop_impl.hpp"
#include "core/metrics.hpp"

namespace updraft {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr std::size_t kHighWatermark = 64 * 1024;
constexpr std::chrono::seconds kLingerTime{2};

// For deadlines, which the loop checks every quarter second: CLOCK_MONOTONIC_COARSE (steady_clock's clock, a
// few milliseconds behind) costs a tenth of steady_clock::now(), which is read twice for every request.
Connection::Clock::time_point coarse_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return Connection::Clock::time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}
}  // namespace

Connection::Connection(LoopContext& ctx, Socket socket)
    : ctx_(ctx), socket_(std::move(socket)), parser_(ctx.config.limits, *this) {
  next = ctx_.connections;
  if (next) next->prev = this;
  ctx_.connections = this;
  ++ctx_.connection_count;
}

Connection::~Connection() {
  if (prev) prev->next = next;
  else ctx_.connections = next;
  if (next) next->prev = prev;
  --ctx_.connection_count;
}

void Connection::start() {
  error_code ec;
  socket_.non_blocking(true, ec);
  describe_peer();
  set_deadline(ctx_.config.timeouts.header);
  wait_readable();
}

void Connection::describe_peer() {
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  int fd = socket_.native_handle();
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  int one = 1;
  if (peer.ss_family == AF_INET) {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&peer);
    ::inet_ntop(AF_INET, &in4->sin_addr, text, sizeof text);
    remote_port_ = ntohs(in4->sin_port);
  } else if (peer.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&peer);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    remote_port_ = ntohs(in6->sin6_port);
  } else {
    return;  // unix socket: no address
  }
  remote_address_ = text;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void Connection::set_deadline(std::chrono::duration<double> d) {
  deadline_ = coarse_now() + std::chrono::duration_cast<Clock::duration>(d);
}

std::string& Connection::out() {
  if (!out_) out_ = ctx_.write_buffers.acquire();
  return *out_;
}

void Connection::wait_readable() {
  if (reading_ || closed_ || peer_eof_ || read_paused_) return;
  reading_ = true;
  ++pending_;
  if (read_cold_) {
    socket_.async_wait(asio::socket_base::wait_read, [this](const error_code& ec) {
      reading_ = false;
      --pending_;
      if (closed_) return finalize();
      if (ec) return close_now("wait for read failed");
      read_cold_ = false;
      if (!read_paused_) read_now();
    });
    return;
  }
  // Reading into the buffer lets Asio keep the socket armed: no epoll_ctl per request, unlike async_wait.
  read_stale_ = false;
  socket_.async_read_some(read_space(), [this](const error_code& ec, std::size_t n) {
    reading_ = false;
    --pending_;
    if (closed_) return finalize();
    if (ec && ec == asio::error::operation_aborted) {  // on_tick made it a cold wait
      release_idle_buffers();
      return wait_readable();
    }
    on_read(ec, n);
  });
}

asio::mutable_buffer Connection::read_space() {
  if (!in_) in_ = ctx_.read_buffers.acquire();
  ReadBuffer& b = *in_;
  if (b.begin == b.end) b.begin = b.end = 0;
  if (b.end == ReadBuffer::capacity && b.begin > 0) {
    std::memmove(b.data, b.data + b.begin, b.end - b.begin);
    b.end -= b.begin;
    b.begin = 0;
  }
  return asio::buffer(b.data + b.end, ReadBuffer::capacity - b.end);
}

bool Connection::read_now() {
  error_code ec;
  std::size_t n = socket_.read_some(read_space(), ec);
  if (ec == asio::error::would_block) {
    wait_readable();
    return false;
  }
  on_read(ec, n);
  return true;
}

void Connection::on_read(const error_code& ec, std::size_t n) {
  if (phase_ == Phase::lingering) {
    if (ec) return close_now(nullptr);
    in_->begin = in_->end = 0;
    return wait_readable();
  }
  if (ec) {  // tested first: comparing error codes costs more than the common case, no error
    if (ec != asio::error::eof) return close_now(nullptr);
    peer_eof_ = true;
  }
  in_->end += n;
  if (phase_ == Phase::body) set_deadline(ctx_.config.timeouts.body);
  if (read_paused_) return;  // kept for resume_reading()
  process_input();
}

void Connection::process_input() {
  processing_ = true;
  while (!closed_ && !close_after_flush_ && phase_ != Phase::handling && phase_ != Phase::lingering && in_ &&
         in_->begin < in_->end) {
    if (phase_ == Phase::idle) {
      head_ = ctx_.heads.acquire();
      head_->remote_address = remote_address_;
      head_->remote_port = remote_port_;
      parser_.set_head(head_.get());
      phase_ = Phase::head;
      if (ctx_.access_log.enabled()) request_start_ = Clock::now();  // only the access log reports durations
      set_deadline(ctx_.config.timeouts.header);
    }
    RequestParser::Result r = parser_.feed(in_->pending());
    in_->begin += r.consumed;
    if (r.outcome == RequestParser::Outcome::error) {
      processing_ = false;
      return reject(r.status, r.reason);
    }
    if (r.outcome == RequestParser::Outcome::need_more) break;
    phase_ = Phase::handling;
    if (delegate_) delegate_->finish();
    if (response_finished_) complete_request();
  }
  processing_ = false;
  if (closed_) return;
  // Answered before its body ended, and the connection closes: flush() lingers, discarding the rest of the body.
  if (phase_ == Phase::body && response_finished_ && close_after_flush_) complete_request();
  flush();
  if (closed_ || writing_) return;
  if (peer_eof_) {
    if (phase_ == Phase::head || phase_ == Phase::body) return close_now(nullptr);  // request cut short
    if (phase_ == Phase::idle) return linger();
    return;  // answer the request in flight, then close
  }
  if (phase_ == Phase::handling || close_after_flush_) return;
  if (phase_ == Phase::idle) {
    release_write_buffer();
    if (ctx_.keepalive_reads.defer(*this)) {
      ++pending_;
      return;
    }
  }
  wait_readable();
}

void Connection::read_next_request() {
  --pending_;
  if (closed_) return finalize();
  if (reading_ || peer_eof_ || read_paused_) return;
  ctx_.keepalive_reads.count_read(read_now());  // on_read() never destroys the connection on this stack
}

int Connection::on_head(RequestHead& head) {
  const ServerConfig& cfg = ctx_.config;
  delegate_ = cfg.factory->start_request(head, *this);
  body_received_ = 0;
  body_limit_ = delegate_->max_body_size().value_or(cfg.limits.max_body_size);
  if (head.content_length && *head.content_length > body_limit_) return 413;
  if (auto expect = head.headers.get("expect")) {
    if (!iequals(*expect, "100-continue")) return 417;
    if (head.has_body() && head.version_minor == 1) {
      out().append("HTTP/1.1 100 Continue\r\n\r\n");
      flush();
    }
  }
  if (head.has_body()) {
    phase_ = Phase::body;
    set_deadline(cfg.timeouts.body);
  }
  delegate_->headers_received();
  return 0;
}

int Connection::on_body(std::string_view chunk) {
  body_received_ += chunk.size();
  if (body_received_ > body_limit_) return 413;
  if (delegate_) delegate_->data_received(chunk);
  return 0;
}

void Connection::write_head(int status, const HeaderList& headers, std::string_view reason) {
  ctx_.loop.assert_in_loop_thread("ResponseWriter::write_head");
  if (closed_ || response_started_) return;
  response_started_ = true;
  status_ = status;
  body_sent_ = 0;
  plan_ = plan_response(*head_, status, headers, ctx_.draining || peer_eof_);
  encode_head(out(), *head_, status, headers, plan_, ctx_.loop.date_header(), reason);
}

void Connection::write(std::string_view chunk, Ready ready) {
  ctx_.loop.assert_in_loop_thread("ResponseWriter::write");
  if (closed_ || response_finished_) return;
  if (!response_started_) write_head(200, HeaderList());
  switch (plan_.framing) {
    case BodyFraming::none:
      chunk = {};
      break;
    case BodyFraming::content_length:
      if (body_sent_ + chunk.size() > plan_.length) {
        spdlog::error("response body longer than its Content-Length ({}): truncated, connection closed", plan_.length);
        chunk = chunk.substr(0, plan_.length - body_sent_);
        close_after_flush_ = true;
      }
      out().append(chunk);
      break;
    case BodyFraming::chunked:
      encode_chunk(out(), chunk);
      break;
    case BodyFraming::until_close:
      out().append(chunk);
      break;
  }
  body_sent_ += chunk.size();
  if (ready) {
    if (out().size() - out_off_ < kHighWatermark) {
      ++pending_;
      asio::post(ctx_.loop.impl().io, [this, ready = std::move(ready)] {
        --pending_;
        if (closed_) return finalize();
        ready();
      });
    } else {
      ready_ = std::move(ready);
    }
  }
  if (!processing_) flush();
}

void Connection::send_file(int fd, std::uint64_t offset, std::uint64_t length, Ready done) {
  ctx_.loop.assert_in_loop_thread("ResponseWriter::send_file");
  if (closed_ || response_finished_ || file_) {
    ::close(fd);
    return;
  }
  if (!response_started_) write_head(200, HeaderList());
  if (plan_.framing == BodyFraming::content_length) length = std::min(length, plan_.length - body_sent_);
  if (plan_.framing == BodyFraming::none || length == 0) {
    ::close(fd);
    if (done) done();
    return;
  }
  bool chunked = plan_.framing == BodyFraming::chunked;
  if (chunked) encode_chunk_header(out(), length);
  body_sent_ += length;
  file_ = std::make_unique<FileSegment>(FileSegment{fd, offset, length, chunked, std::move(done)});
  if (!processing_) flush();
}

void Connection::finish() {
  ctx_.loop.assert_in_loop_thread("ResponseWriter::finish");
  if (closed_ || response_finished_) return;
  if (!response_started_) write_head(200, HeaderList());
  if (plan_.framing == BodyFraming::chunked) encode_last_chunk(out());
  if (plan_.framing == BodyFraming::content_length && body_sent_ < plan_.length) {
    spdlog::error("response body shorter than its Content-Length ({} of {}): connection closed", body_sent_,
                  plan_.length);
    close_after_flush_ = true;
  }
  if (!plan_.keep_alive || plan_.framing == BodyFraming::until_close) close_after_flush_ = true;
  response_finished_ = true;
  if (phase_ == Phase::body) {
    // Answered before the request's body ended: what is left of it is read and dropped, however its delegate had
    // paused reading (a full WSGI body channel).
    resume_reading();
    // On a connection kept alive the answer goes out now, and the body is read to its end.
    if (!processing_ && !close_after_flush_) return flush();
  }
  if (processing_ || resume_posted_ || (phase_ != Phase::handling && phase_ != Phase::body)) return;
  // Finished from outside a connection call (a coroutine, a timer, a WSGI worker): continue on a fresh stack.
  resume_posted_ = true;
  ++pending_;
  asio::post(ctx_.loop.impl().io, [this] {
    --pending_;
    resume_posted_ = false;
    if (closed_) return finalize();
    if (phase_ == Phase::handling) complete_request();
    process_input();
  });
}

void Connection::complete_request() {
  Metrics::instance().count_response(status_);
  if (ctx_.access_log.enabled()) {
    ctx_.access_log.record({remote_address_, head_->method, head_->target, head_->version_minor, status_, body_sent_,
                            Clock::now() - request_start_, &head_->headers});
  }
  delegate_.reset();
  head_->clear();
  ctx_.heads.release(std::move(head_));
  parser_.next_message();
  phase_ = Phase::idle;
  response_started_ = response_finished_ = false;
  if (ctx_.draining) close_after_flush_ = true;
  set_deadline(ctx_.config.timeouts.idle);
}

void Connection::flush() {
  if (writing_ || closed_) return;
  do {
    while (out_ && out_off_ < out_->size()) {
      error_code ec;
      std::size_t n = socket_.write_some(asio::buffer(out_->data() + out_off_, out_->size() - out_off_), ec);
      if (ec == asio::error::would_block) return wait_writable();
      if (ec) return close_now(nullptr);
      out_off_ += n;
    }
  } while (file_ && flush_file());
  if (writing_ || closed_) return;
  if (out_) {
    out_->clear();
    out_off_ = 0;
  }
  if (ready_) {
    Ready ready = std::move(ready_);
    ready_ = nullptr;
    ready();
  }
  if (close_after_flush_ && phase_ == Phase::idle) linger();
}

// Sends the pending file; true when it is done and its trailing bytes were queued.
bool Connection::flush_file() {
  while (file_->remaining > 0) {
    auto off = static_cast<off_t>(file_->offset);
    ssize_t n = ::sendfile(socket_.native_handle(), file_->fd, &off,
                           static_cast<std::size_t>(std::min<std::uint64_t>(file_->remaining, 1u << 20)));
    if (n < 0 && errno == EAGAIN) {
      wait_writable();
      return false;
    }
    if (n <= 0) {
      close_now(n == 0 ? "file shorter than announced" : "sendfile failed");
      return false;
    }
    file_->offset += static_cast<std::uint64_t>(n);
    file_->remaining -= static_cast<std::uint64_t>(n);
  }
  ::close(file_->fd);
  if (file_->chunked) out().append("\r\n");
  Ready done = std::move(file_->done);
  file_.reset();
  if (done) done();
  return true;
}

void Connection::wait_writable() {
  writing_ = true;
  ++pending_;
  write_deadline_ = coarse_now() + std::chrono::duration_cast<Clock::duration>(ctx_.config.timeouts.write);
  socket_.async_wait(asio::socket_base::wait_write, [this](const error_code& ec) {
    writing_ = false;
    --pending_;
    if (closed_) return finalize();
    if (ec) return close_now(nullptr);
    flush();
    if (!closed_ && !writing_ && phase_ != Phase::handling && phase_ != Phase::lingering) process_input();
  });
}

void Connection::reject(int status, std::string_view reason) {
  spdlog::debug("{}: rejecting request with {}: {}", remote_address_, status, reason);
  Metrics::instance().count_response(status);
  if (response_started_) return close_now("error after the response started");
  if (delegate_) {
    delegate_->on_connection_close();
    delegate_.reset();
  }
  if (ctx_.access_log.enabled()) {
    ctx_.access_log.record({remote_address_, head_ ? head_->method : std::string_view(),
                            head_ ? std::string_view(head_->target) : std::string_view(),
                            head_ ? head_->version_minor : 1, status, 0, Clock::now() - request_start_,
                            head_ ? &head_->headers : nullptr});
  }
  // Responses still queued for earlier pipelined requests go out first.
  encode_error(out(), status, reason, ctx_.loop.date_header());
  close_after_flush_ = true;
  phase_ = Phase::idle;
  flush();
}

void Connection::linger() {
  // Half-close and drain what the client still sends, so it reads our last response
  // instead of a reset (nginx's lingering close).
  if (closed_ || phase_ == Phase::lingering) return;
  phase_ = Phase::lingering;
  error_code ec;
  socket_.shutdown(asio::socket_base::shutdown_send, ec);
  if (ec || peer_eof_) return close_now(nullptr);
  deadline_ = coarse_now() + kLingerTime;
  wait_readable();
}

void Connection::close_now(const char* why) {
  if (closed_) return;
  if (why) spdlog::debug("{}: connection aborted: {}", remote_address_, why);
  closed_ = true;
  error_code ec;
  socket_.close(ec);
  ++pending_;
  asio::post(ctx_.loop.impl().io, [this] {
    --pending_;
    if (delegate_) {
      delegate_->on_connection_close();
      delegate_.reset();
    }
    finalize();
  });
}

void Connection::finalize() {
  if (pending_ != 0) return;
  if (file_) ::close(file_->fd);
  if (head_) {
    head_->clear();
    ctx_.heads.release(std::move(head_));
  }
  release_idle_buffers();
  delete this;
}

void Connection::release_idle_buffers() {
  if (in_ && in_->begin == in_->end) {
    in_->begin = in_->end = 0;
    ctx_.read_buffers.release(std::move(in_));
  }
  release_write_buffer();
}

void Connection::release_write_buffer() {
  if (out_ && out_off_ == out_->size()) {
    out_->clear();
    out_off_ = 0;
    ctx_.write_buffers.release(std::move(out_));
  }
}

void Connection::resume_reading() {
  ctx_.loop.assert_in_loop_thread("ResponseWriter::resume_reading");
  if (!read_paused_ || closed_) return;
  read_paused_ = false;
  if (phase_ == Phase::body) set_deadline(ctx_.config.timeouts.body);
  // On a fresh stack: the caller may be the delegate that process_input() could destroy.
  ++pending_;
  asio::post(ctx_.loop.impl().io, [this] {
    --pending_;
    if (closed_) return finalize();
    if (!processing_ && !writing_) process_input();
  });
}

void Connection::on_tick(Clock::time_point now) {
  if (closed_) return;
  if (reading_ && !read_cold_ && !writing_ && in_->begin == in_->end) {
    // No input for one to two ticks: cancel the read; its handler gives the buffer back and waits cold.
    if (read_stale_) {
      read_cold_ = true;
      error_code ec;
      socket_.cancel(ec);
    }
    read_stale_ = true;
  }
  if (writing_ && now > write_deadline_) return close_now("write timeout");
  if (read_paused_ && phase_ == Phase::body) return;  // our consumer is slow, not the client
  if (now <= deadline_) return;
  switch (phase_) {
    case Phase::idle:
      if (!writing_) close_now(nullptr);
      break;
    case Phase::head:
    case Phase::body:
      reject(408, "timed out reading the request");
      break;
    case Phase::lingering:
      close_now(nullptr);
      break;
    case Phase::handling:
      break;
  }
}

void Connection::drain() {
  if (closed_) return;
  if (phase_ == Phase::idle && !writing_ && !(in_ && in_->begin < in_->end)) close_now(nullptr);
}

}  // namespace updraft
