// Stream: reads into a pooled buffer (or watches without one), queued writes and sendfile, timeouts, closing and
// lingering, and hand-over, on one loop thread (the coroutine awaiters are in stream_awaiters.cpp).
#include "core/net/stream.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <limits>
#include <stdexcept>

#include "core/net/loop_impl.hpp"
#include "core/net/net_context.hpp"
#include "core/net/peer_address.hpp"
#include "core/net/socket_stream.hpp"
#include "core/net/tls_context.hpp"
#include "core/net/tls_session.hpp"

namespace updraft {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr std::chrono::seconds kLingerTime{2};

// For deadlines, which the loop checks every quarter second: CLOCK_MONOTONIC_COARSE (steady_clock's clock, a
// few milliseconds behind) costs a tenth of steady_clock::now(), which is read several times per message.
Stream::Clock::time_point coarse_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return Stream::Clock::time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

Stream::Clock::duration ticks(std::chrono::duration<double> d) {
  return std::chrono::duration_cast<Stream::Clock::duration>(d);
}

SocketStream::Socket& socket_of(Stream& s) { return static_cast<SocketStream&>(s).socket; }

}  // namespace

void StreamHandler::on_timeout(Stream& stream) { stream.close(); }
void StreamHandler::on_drain(Stream& stream) { stream.close(); }

struct Stream::FileSegment {
  int fd;
  std::uint64_t offset;
  std::uint64_t remaining;
  Ready done;
};

SocketStream* SocketStream::create(NetContext& ctx, Socket socket, const sockaddr_storage* peer) {
  auto* s = new SocketStream(ctx, std::move(socket));
  intrusive_ptr_add_ref(s);  // an open stream keeps itself; close() lets go
  error_code ec;
  s->socket.non_blocking(true, ec);
  sockaddr_storage address{};
  socklen_t len = sizeof address;
  if (!peer && ::getpeername(s->socket.native_handle(), reinterpret_cast<sockaddr*>(&address), &len) == 0)
    peer = &address;
  if (peer) s->tcp_ = describe_peer(*peer, s->peer_address_, s->peer_port_);
  return s;
}

Stream::Stream(NetContext& ctx) : ctx_(ctx) {
  next = ctx_.streams;
  if (next) next->prev = this;
  ctx_.streams = this;
  ++ctx_.stream_count;
}

Stream::~Stream() {
  if (prev) prev->next = next;
  else ctx_.streams = next;
  if (next) next->prev = prev;
  --ctx_.stream_count;
}

void Stream::destroy() {
  if (file_) ::close(file_->fd);
  handler_.reset();
  begin_ = end_;
  release_idle_buffers();
  delete static_cast<SocketStream*>(this);
}

Loop& Stream::loop() { return ctx_.loop; }

void Stream::start() { arm_read(); }

void Stream::start_tls(const TlsContext& context) {
  tls_ = std::make_unique<TlsSession>(context);
  tls_->handshake_deadline = coarse_now() + ticks(context.handshake_timeout());
  if (tcp_) {
    // The handshake and the session tickets go out in several sends: a response must not wait for their ACKs.
    int one = 1;
    ::setsockopt(socket_of(*this).native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    nodelay_ = true;
  }
  tls_->feed(data_ + begin_, end_ - begin_);
  consume(end_ - begin_);
}

void Stream::set_handler(std::unique_ptr<StreamHandler> handler) {
  if (dispatching_ && handler_) {
    // The old protocol may be on the stack: it goes on a fresh one.
    asio::post(ctx_.loop.impl().io, [old = std::shared_ptr<StreamHandler>(std::move(handler_))] {});
  }
  handler_ = std::move(handler);
}

// --- reading ---

std::string_view Stream::buffered() const { return {data_ + begin_, end_ - begin_}; }

void Stream::consume(std::size_t n) {
  begin_ += n;
  // Back to the buffer's start when it is empty, unless a read is filling it from end_ (a protocol handed over, or
  // started reading again, within on_data(), and runs on a fresh stack while that read is pending).
  if (begin_ == end_ && read_op_ != ReadOp::hot) begin_ = end_ = 0;
}

void Stream::acquire_read_buffer() {
  if (data_) return;
  data_ = ctx_.read_buffers.acquire().release()->data;
  capacity_ = ReadBuffer::capacity;
}

void Stream::free_read_buffer() {
  static_assert(offsetof(ReadBuffer, data) == 0, "data_ is the address of its ReadBuffer");
  if (capacity_ == ReadBuffer::capacity)
    ctx_.read_buffers.release(std::unique_ptr<ReadBuffer>(reinterpret_cast<ReadBuffer*>(data_)));
  else
    delete[] data_;
  data_ = nullptr;
}

void Stream::reserve(std::size_t n) {
  if (n > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("a stream buffers at most 4 GiB");
  acquire_read_buffer();
  if (capacity_ - begin_ >= n) return;
  std::size_t pending = end_ - begin_;
  if (n <= capacity_) {
    std::memmove(data_, data_ + begin_, pending);
  } else {
    std::size_t capacity = std::max<std::size_t>(n, 2 * std::size_t{capacity_});
    char* grown = new char[capacity];
    std::memcpy(grown, data_ + begin_, pending);
    free_read_buffer();
    capacity_ = static_cast<std::uint32_t>(capacity);
    data_ = grown;
  }
  begin_ = 0;
  end_ = static_cast<std::uint32_t>(pending);
}

void Stream::release_idle_buffers() {
  if (data_ && begin_ == end_ && read_op_ != ReadOp::hot) {  // a pending read is filling it
    free_read_buffer();
    begin_ = end_ = capacity_ = 0;
  }
  if (out_ && out_off_ == out_->size() && !file_) {
    out_->clear();
    out_off_ = 0;
    ctx_.write_buffers.release(std::move(out_));
  }
}

void Stream::start_reading() {
  wants_read_ = true;
  if (closed_) return;
  if (begin_ < end_ || eof_) {
    // Bytes are already here (left by an earlier protocol, or by this one while it was busy): deliver them on a
    // fresh stack, not inside the caller.
    if (dispatch_posted_) return;
    dispatch_posted_ = true;
    asio::post(ctx_.loop.impl().io, [self = StreamRef(this)] {
      self->dispatch_posted_ = false;
      if (!self->closed_ && self->wants_data()) self->dispatch();
    });
    return;
  }
  if (!dispatching_) arm_read();
}

void Stream::stop_reading() { wants_read_ = false; }

void Stream::set_read_timeout(std::chrono::duration<double> d, bool per_read) {
  read_timeout_ = ticks(d);
  per_read_timeout_ = per_read;
  read_deadline_ = d.count() > 0 ? coarse_now() + read_timeout_ : Clock::time_point::max();
}

// Starts the socket operation that fits: a read into the buffer while the protocol reads, else a wait for input that
// holds no buffer and still notices the peer hanging up. watch_now: the tick arms a watch put off until then.
void Stream::arm_read(bool watch_now) {
  if (closed_ || eof_ || read_op_ != ReadOp::none || deferred_) return;
  // A peer that does not read what we send is not read from either until it does: memory stays bounded.
  if (writing_ && !lingering_) return;
  bool hot = (wants_data() && !cold_) || lingering_;
  if (hot) {
    if (!make_room()) return;  // full: the protocol must consume (or reserve) before more is read
    read_op_ = ReadOp::hot;
    stale_ = false;
    if (tls_ && !lingering_ && tls_->has_input()) {  // records the last read left in the session: decrypt them
      asio::post(ctx_.loop.impl().io, [self = StreamRef(this)] {
        self->read_op_ = ReadOp::none;
        if (!self->closed_) self->received({}, 0);
      });
      return;
    }
    // Reading into the buffer lets Asio keep the socket armed: no epoll_ctl per message, unlike a readiness wait.
    socket_of(*this).async_read_some(asio::buffer(data_ + end_, capacity_ - end_),
                                     [self = StreamRef(this)](const error_code& ec, std::size_t n) {
                                       self->read_op_ = ReadOp::none;
                                       if (self->closed_) return;
                                       if (ec == asio::error::operation_aborted) {  // on_tick made it cold
                                         self->release_idle_buffers();
                                         if (self->tls_) self->tls_->release_buffers();
                                         return self->arm_read();
                                       }
                                       self->received(ec, n);
                                     });
    return;
  }
  // Records already in the TLS session are input enough: a wait would wait for more from the socket.
  if (tls_ && tls_->has_input()) return;
  // A saturated loop watches a busy stream for a hang-up from its next tick on, where the protocol allows: most
  // handlers answer before that, and the watch's epoll_ctl was one of the six system calls of a proxied request
  // (bench/proxy_hop.sh). A client that hangs up meanwhile is noticed up to a tick later (or when its answer is
  // written).
  if (hang_up_may_wait_ && !wants_data() && !lingering_ && !watch_now && ctx_.keepalive_reads.saturated()) {
    watch_at_tick_ = true;
    return;
  }
  if (begin_ == end_) release_idle_buffers();
  // A readiness wait: Asio re-arms the socket for it (one epoll_ctl, which also reports input that came before), and
  // when input comes the next read takes it at once. A one-byte peek would cost a recv that finds nothing now and
  // another when input comes.
  read_op_ = ReadOp::wait;
  socket_of(*this).async_wait(asio::socket_base::wait_read, [self = StreamRef(this)](const error_code& ec) {
    self->read_op_ = ReadOp::none;
    if (self->closed_) return;
    if (ec == asio::error::operation_aborted) return self->arm_read();
    self->on_readable();
  });
}

// Input, an end or an error waits in the socket: read it if the protocol reads, else peek at what it is.
void Stream::on_readable() {
  if (wants_data() || lingering_) return read_now();
  char byte;
  ssize_t n = ::recv(socket_of(*this).native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return arm_read();  // nothing after all
  on_peek(n < 0 ? 1 : 0, n < 0 ? 0 : static_cast<std::size_t>(n));
}

// Room at the end of the buffer for the next read: moves the pending bytes to its start, or grows it for a coroutine
// whose read needs more bytes in one piece than it holds. False: full, and nobody may grow it.
bool Stream::make_room() {
  acquire_read_buffer();
  if (begin_ == end_) begin_ = end_ = 0;
  if (end_ < capacity_) return true;
  if (begin_ > 0) {
    std::memmove(data_, data_ + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    return true;
  }
  if (!read_waiter_ || read_waiter_->n_ <= capacity_) return false;
  reserve(std::min<std::size_t>(read_waiter_->n_ + 1, 2 * std::size_t{capacity_}));
  return true;
}

// A synchronous read for a stream that knows input is (probably) there: after a wait, or a deferred read.
void Stream::read_now() {
  if (!make_room()) return;
  error_code ec;
  std::size_t n = read_socket_now(ec);
  if (ec == asio::error::would_block) {
    cold_ = false;
    return arm_read();
  }
  received(ec, n);
}

std::size_t Stream::read_socket_now(error_code& ec) {
  if (tls_ && tls_->has_input()) return 0;
  return socket_of(*this).read_some(asio::buffer(data_ + end_, capacity_ - end_), ec);
}

void Stream::received(const error_code& ec, std::size_t n) {
  if (tls_) return received_tls(ec, n);
  on_read(ec && ec != asio::error::eof ? 1 : 0, n, ec == asio::error::eof);
}

void Stream::received_tls(const error_code& ec, std::size_t n) {
  bool eof = ec == asio::error::eof;
  int error = ec && !eof ? 1 : 0;
  if (lingering_ || error) return on_read(error, 0, eof);  // what a lingering close reads is discarded undecrypted
  tls_->feed(data_ + end_, n);
  std::size_t plain = 0;
  TlsSession::Status status = tls_->decrypt(data_ + end_, capacity_ - end_, plain);
  if (status == TlsSession::Status::failed) {
    send_tls_output();  // the alert, if the socket takes it
    return close(tls_->reason().c_str());
  }
  flush();  // the handshake's messages, session tickets, and what was written before the handshake completed
  if (closed_) return;
  if (plain == 0 && !eof && status == TlsSession::Status::ok) {  // part of a record, or a handshake message
    if (!writing_) arm_read();
    return;
  }
  on_read(0, plain, eof || status == TlsSession::Status::closed);
}

void Stream::on_read(int error, std::size_t n, bool eof) {
  if (lingering_) {
    begin_ = end_ = 0;
    if (error || eof) return close();
    return arm_read();
  }
  if (error) return close();  // reset by the peer: it is gone
  end_ += n;
  read_full_ = end_ == capacity_;
  if (eof) eof_ = true;
  if (per_read_timeout_ && read_timeout_.count() > 0) read_deadline_ = coarse_now() + read_timeout_;
  cold_ = false;
  if (wants_data()) return dispatch();
  // Input while the protocol is busy: kept for it. An end of stream with nothing left to answer is a hang-up.
  if (eof_ && begin_ == end_) return close("peer hung up");
  if (!eof_) arm_read();
}

void Stream::on_peek(int error, std::size_t n) {
  if (error) return close("peer reset the connection");
  if (wants_data() || lingering_) return read_now();
  if (n == 0) {
    if (begin_ == end_) return close("peer hung up");
    eof_ = true;  // the protocol answers what it has, then closes
  }
  // A byte of the next message waits in the socket: it is read once the protocol reads again.
}

void Stream::dispatch() {
  StreamRef self(this);
  dispatching_ = true;
  wrote_ = false;
  if (read_waiter_) {
    auto* w = read_waiter_;
    bool done = false;
    try {
      done = w->satisfied() > 0 || eof_;
    } catch (...) {
      done = true;  // the waiter rethrows it from await_resume()
    }
    if (done) {
      read_waiter_ = nullptr;
      w->waiting_.resume();
    }
  } else if (wants_read_ && handler_) {
    handler_->on_data(*this);
  }
  dispatching_ = false;
  after_dispatch();
}

void Stream::after_dispatch() {
  if (ctx_.options.batch_writes && out_ && out_off_ < out_->size() && !writing_ && !batched_) {
    batched_ = true;  // the answer, and then the next read, come at the end of the turn
    intrusive_ptr_add_ref(this);
    return ctx_.write_batch.add(*this);
  }
  flush();
  arm_next_read();
}

void Stream::flush_batched() {
  if (!closed_) flush();
}

void Stream::arm_batched() {
  batched_ = false;
  StreamRef self(this, false);  // adopts the reference after_dispatch() took
  if (!closed_ && !writing_) arm_next_read();
}

// After a delivery and its answer: the next read, or a watch for a hang-up while the protocol is busy.
void Stream::arm_next_read() {
  if (closed_ || eof_) return;  // at the end of the stream the protocol has seen at_end(): nothing more will come
  if (!wants_data()) {
    if (read_op_ == ReadOp::none) arm_read();  // watch for a hang-up while the protocol is busy
    if (begin_ == end_) release_idle_buffers();
    return;
  }
  // A stream that has just answered and read everything reads its next message after the loop's turn when the
  // loop is saturated: by then the message has usually arrived, and one read gets it (KeepAliveReads).
  if (wrote_ && begin_ == end_ && read_op_ == ReadOp::none && !writing_ && !ctx_.options.batch_writes &&
      ctx_.keepalive_reads.defer(*this)) {
    deferred_ = true;
    intrusive_ptr_add_ref(this);
    return;
  }
  arm_read();
}

void Stream::read_deferred() {
  deferred_ = false;
  StreamRef self(this, false);  // adopts the reference defer() took
  if (closed_ || read_op_ != ReadOp::none || eof_ || !wants_data()) {
    if (!closed_ && read_op_ == ReadOp::none && !eof_) arm_read();
    return;
  }
  if (!make_room()) return;
  error_code ec;
  std::size_t n = read_socket_now(ec);
  bool found = ec != asio::error::would_block;
  ctx_.keepalive_reads.count_read(found);
  if (!found) return arm_read();
  received(ec, n);
}

// --- writing ---

std::string& Stream::out() {
  if (!out_) out_ = ctx_.write_buffers.acquire();
  return *out_;
}

std::size_t Stream::write_buffer_size() const {
  return (out_ ? out_->size() - out_off_ : 0) + (file_ ? static_cast<std::size_t>(file_->remaining) : 0);
}

Stream::WriteAwaiter Stream::write(std::string_view data, Ready ready) {
  if (closed_) return WriteAwaiter(*this);
  out().append(data);
  wrote_ = true;
  if (ready) {
    if (write_buffer_size() < kLowWatermark) {
      asio::post(ctx_.loop.impl().io, [self = StreamRef(this), ready = std::move(ready)] {
        if (!self->closed_) ready();
      });
    } else if (ready_) {
      *ready_ = [first = std::move(*ready_), then = std::move(ready)] {
        first();
        then();
      };
    } else {
      ready_ = std::make_unique<Ready>(std::move(ready));
    }
  }
  if (!dispatching_) flush();
  return WriteAwaiter(*this);
}

void Stream::send_file(int fd, std::uint64_t offset, std::uint64_t length, Ready done) {
  if (closed_ || file_) {
    ::close(fd);
    return;
  }
  if (length == 0) {
    ::close(fd);
    if (done) done();
    return;
  }
  wrote_ = true;
  file_ = std::make_unique<FileSegment>(FileSegment{fd, offset, length, std::move(done)});
  if (!dispatching_) flush();
}

void Stream::flush() {
  if (writing_ || closed_) return;
  if (tls_ && !tls_->established()) {
    send_tls_output();  // what is queued waits for the handshake to complete
    return;
  }
  // The first send goes as it is (a connection that answers once and closes never needs more); anything after it
  // goes without Nagle's delay, which would hold a small send back until the peer acknowledged the previous one.
  if (flushed_ && !nodelay_ && tcp_) {
    int one = 1;
    ::setsockopt(socket_of(*this).native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    nodelay_ = true;
  }
  if (write_buffer_size() > 0) flushed_ = true;
  do {
    while (out_ && out_off_ < out_->size()) {
      error_code ec;
      std::size_t n = send_some(out_->data() + out_off_, out_->size() - out_off_, ec);
      if (ec == asio::error::would_block) return wait_writable();
      if (ec) return close();
      out_off_ += n;
    }
  } while (file_ && flush_file());
  if (writing_ || closed_) return;
  if (tls_ && !send_tls_output()) return;
  if (out_) {
    out_->clear();
    out_off_ = 0;
  }
  if (ready_) (*std::exchange(ready_, nullptr))();
  if (write_waiter_ && !closed_) std::exchange(write_waiter_, nullptr)->waiting_.resume();
  if (close_after_writes_ && !closed_ && write_buffer_size() == 0) linger();
}

std::size_t Stream::send_some(const char* data, std::size_t n, error_code& ec) {
  // A file to follow on a plain socket (a response head before its sendfile body): MSG_MORE lets the kernel put the
  // head in one segment with the file's first bytes, as TCP_CORK does for nginx (a separate head segment halved 1 MiB
  // responses per second on loopback).
  if (!tls_) return socket_of(*this).send(asio::buffer(data, n), file_ ? MSG_MORE : 0, ec);
  constexpr std::size_t kPiece = 64 * 1024;  // the most ciphertext made ahead of what the socket takes
  write_tls_output(ec);
  if (ec) return 0;
  std::size_t taken = tls_->encrypt(data, std::min(n, kPiece));
  if (taken == 0) {
    ec = asio::error::broken_pipe;
    return 0;
  }
  write_tls_output(ec);
  if (ec == asio::error::would_block) ec = {};  // taken all the same: its ciphertext waits in the session
  return taken;
}

void Stream::write_tls_output(error_code& ec) {
  for (std::string_view pending = tls_->output(); !pending.empty(); pending = tls_->output()) {
    std::size_t n = socket_of(*this).write_some(asio::buffer(pending.data(), pending.size()), ec);
    if (ec) return;
    tls_->output_sent(n);
  }
}

bool Stream::send_tls_output() {
  error_code ec;
  write_tls_output(ec);
  if (ec == asio::error::would_block) wait_writable();
  else if (ec) close();
  return !ec;
}

// sendfile(2)'s part for TLS: the next piece of the file, read, encrypted and written.
bool Stream::encrypt_file_piece() {
  if (!send_tls_output()) return false;
  char piece[16 * 1024];
  ssize_t n = ::pread(file_->fd, piece, static_cast<std::size_t>(std::min<std::uint64_t>(file_->remaining, sizeof piece)),
                      static_cast<off_t>(file_->offset));
  if (n <= 0) {
    close(n == 0 ? "file shorter than announced" : "reading the file failed");
    return false;
  }
  if (tls_->encrypt(piece, static_cast<std::size_t>(n)) != static_cast<std::size_t>(n)) {
    close(tls_->reason().c_str());
    return false;
  }
  file_->offset += static_cast<std::uint64_t>(n);
  file_->remaining -= static_cast<std::uint64_t>(n);
  return true;
}

// Sends the pending file; true once it is done.
bool Stream::flush_file() {
  while (file_->remaining > 0) {
    if (tls_) {
      if (!encrypt_file_piece()) return false;
      continue;
    }
    auto off = static_cast<off_t>(file_->offset);
    ssize_t n = ::sendfile(socket_of(*this).native_handle(), file_->fd, &off,
                           static_cast<std::size_t>(std::min<std::uint64_t>(file_->remaining, 1u << 20)));
    if (n < 0 && errno == EAGAIN) {
      wait_writable();
      return false;
    }
    if (n <= 0) {
      close(n == 0 ? "file shorter than announced" : "sendfile failed");
      return false;
    }
    file_->offset += static_cast<std::uint64_t>(n);
    file_->remaining -= static_cast<std::uint64_t>(n);
  }
  ::close(file_->fd);
  Ready done = std::move(file_->done);
  file_.reset();
  if (done) done();
  return true;
}

void Stream::wait_writable() {
  writing_ = true;
  write_deadline_ = coarse_now() + ticks(ctx_.options.write_timeout);
  socket_of(*this).async_wait(asio::socket_base::wait_write, [self = StreamRef(this)](const error_code& ec) {
    self->writing_ = false;
    if (self->closed_) return;
    if (ec) return self->close();
    self->flush();
    if (!self->closed_ && !self->writing_ && self->read_op_ == ReadOp::none && !self->deferred_) self->arm_read();
  });
}

// --- closing ---

void Stream::close_after_writes(Linger linger) {
  close_after_writes_ = true;
  linger_always_ = linger_always_ || linger == Linger::always;
  if (!dispatching_) flush();
}

void Stream::linger() {
  if (closed_ || lingering_) return;
  if (tls_) {  // close_notify, if the socket takes it: the client knows the response was not cut short
    tls_->close_notify();
    error_code ec;
    write_tls_output(ec);
  }
  if (!linger_always_ && begin_ == end_ && !read_full_) return close();  // nothing suggests more input: just close
  lingering_ = true;
  wants_read_ = false;
  error_code ec;
  socket_of(*this).shutdown(asio::socket_base::shutdown_send, ec);
  if (ec || eof_) return close();
  read_deadline_ = coarse_now() + kLingerTime;
  begin_ = end_ = 0;
  if (read_op_ == ReadOp::none) arm_read();
}

void Stream::close(const char* why) {
  if (closed_) return;
  if (why) spdlog::debug("{}: connection closed: {}", peer_address_, why);
  closed_ = true;
  if (tls_ && !tls_->established() && tls_->saw_input()) TlsContext::count_handshake_failure();
  error_code ec;
  socket_of(*this).close(ec);
  // On a fresh stack: the caller may be the handler, or a coroutine, that the calls below would re-enter.
  asio::post(ctx_.loop.impl().io, [this] {
    StreamRef self(this, false);  // adopts the reference start() took
    resume_waiters();
    if (handler_) handler_->on_close(*this);
    handler_.reset();
  });
}

void Stream::resume_waiters() {
  if (auto* w = std::exchange(read_waiter_, nullptr)) w->waiting_.resume();
  if (auto* w = std::exchange(write_waiter_, nullptr)) w->waiting_.resume();
}

// --- the server's calls ---

void Stream::on_tick(Clock::time_point now) {
  if (closed_) return;
  if (watch_at_tick_) {
    watch_at_tick_ = false;
    arm_read(/*watch_now=*/true);
  }
  if (read_op_ == ReadOp::hot && !writing_ && begin_ == end_ && !lingering_) {
    // No input for one to two ticks: cancel the read; its handler gives the buffer back and waits cold.
    if (stale_) {
      cold_ = true;
      error_code ec;
      socket_of(*this).cancel(ec);
    }
    stale_ = true;
  }
  if (writing_ && now > write_deadline_) return close("write timeout");
  if (tls_ && !tls_->established() && now > tls_->handshake_deadline) {
    if (!tls_->saw_input()) TlsContext::count_handshake_failure();  // close() counts those that sent something
    return close("TLS handshake timeout");
  }
  if ((wants_data() || lingering_) && now > read_deadline_) {
    read_deadline_ = Clock::time_point::max();
    if (lingering_ || !handler_) return close();
    handler_->on_timeout(*this);
  }
}

void Stream::drain() {
  if (closed_) return;
  if (handler_) handler_->on_drain(*this);
  else close();
}

}  // namespace updraft
