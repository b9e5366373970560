// Stream: Tornado's IOStream: one connected socket on its loop, with buffered reads, a bounded write queue, sendfile,
// timeouts, a close callback that fires even while nobody reads, and hand-over to another protocol.
//
// A stream is served by one StreamHandler at a time (the protocol), which reads in one of two forms:
//  - callbacks, for protocols that parse what is there (HTTP/1.1): start_reading(), then on_data() each time bytes
//    arrive, with buffered()/consume();
//  - coroutines: co_await read_until("\r\n", 64 * 1024), read_bytes(n), read_some(), read_until_close(max).
// Writes are queued at once; their completion (a callback, or co_await write(...)) comes when the queue is back under
// kLowWatermark, so a client that does not read pauses its producer instead of growing memory.
// On a TLS listener the same calls carry plaintext: reads are decrypted and writes encrypted by the stream's TlsSession
// (start_tls()), so protocols never know. Everything here runs on the stream's loop thread. The stream lives while it
// is open or anything holds a StreamRef.
#pragma once

#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace boost::system {
class error_code;
}

namespace updraft {

class Loop;
class Stream;
class TlsContext;
class TlsSession;
struct NetContext;
struct ReadBuffer;

using StreamRef = boost::intrusive_ptr<Stream>;

// The stream closed before a read could complete, or a write was made on a closed stream (Tornado's name).
class StreamClosedError : public std::runtime_error {
 public:
  StreamClosedError() : std::runtime_error("stream closed") {}
};

// A read_until() found no delimiter within max_bytes: a protocol turns it into its own answer (431, a RESP error...).
class UnsatisfiableReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The protocol serving a stream. Its calls come on the loop thread, never re-entrantly from a Stream method.
class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  // Bytes arrived while reading (callback form): stream.buffered() holds every unconsumed byte, at_end() tells
  // whether the peer has finished sending.
  virtual void on_data(Stream& stream) = 0;
  // The stream closed: the peer hung up (noticed even while nobody reads), a timeout, an error, or close().
  // The last call the handler gets from this stream.
  virtual void on_close(Stream& stream) {}
  // The read timeout passed while reading. Default: close.
  virtual void on_timeout(Stream& stream);
  // The server is shutting down gracefully. Default: close now.
  virtual void on_drain(Stream& stream);
};

class Stream {
 public:
  using Clock = std::chrono::steady_clock;
  using Ready = std::function<void()>;
  // Writes complete once at most this many bytes are queued.
  static constexpr std::size_t kLowWatermark = 64 * 1024;

  // --- reading, callback form ---
  // on_data() runs as bytes arrive (soon, on a fresh stack, if some are already buffered) until stop_reading().
  void start_reading();
  // No more on_data() until start_reading(); a peer hanging up meanwhile still closes the stream.
  void stop_reading();
  bool reading() const { return wants_read_; }
  // While the loop is saturated and nothing is read, the watch for the peer hanging up may start at the next tick
  // (one epoll_ctl less for a request answered before it): for a protocol that can hear of a hang-up a tick late.
  void set_hang_up_watch_may_wait(bool may_wait) { hang_up_may_wait_ = may_wait; }
  std::string_view buffered() const;
  void consume(std::size_t n);
  // Room for a message of n bytes (at most 4 GiB) in one piece: the buffer grows past its pooled size until drained.
  void reserve(std::size_t n);
  // The peer has sent all it will (end of stream).
  bool at_end() const { return eof_; }

  // --- reading, coroutine form: one read at a time; a view stays valid until the next read or consume() ---
  class ReadAwaiter;
  // Up to and including the delimiter; UnsatisfiableReadError if it is not within max_bytes.
  ReadAwaiter read_until(std::string_view delimiter, std::size_t max_bytes);
  // Exactly n bytes, or with partial as soon as at least one is there (at most n).
  ReadAwaiter read_bytes(std::size_t n, bool partial = false);
  // Whatever is buffered, waiting for at least one byte.
  ReadAwaiter read_some();
  // Everything until the peer finishes sending; UnsatisfiableReadError past max_bytes.
  ReadAwaiter read_until_close(std::size_t max_bytes);

  // --- writing ---
  class WriteAwaiter;
  // Queues data; `ready` runs once the queue is under kLowWatermark. co_await the result instead to wait for that.
  // Queued bytes go out at once, or after the current on_data() or coroutine resumption, in one send.
  WriteAwaiter write(std::string_view data, Ready ready = {});
  // The queue itself, for protocols that encode in place: append to it, then write({}, ready) sends it.
  std::string& output() { return out(); }
  // Sends length bytes of fd from offset with sendfile(2) after what is queued; the stream owns fd from now on.
  // `done` runs once it has been sent; queue nothing else until then.
  void send_file(int fd, std::uint64_t offset, std::uint64_t length, Ready done);
  std::size_t write_buffer_size() const;

  // --- timeouts ---
  // While reading, on_timeout() if no byte arrives for d (per_read) or d passes (whole); zero: none.
  void set_read_timeout(std::chrono::duration<double> d, bool per_read);

  // --- closing ---
  // Closes now; what is queued is dropped. The handler's on_close() follows on a fresh stack.
  void close(const char* why = nullptr);
  // Sends what is queued, then closes. When the peer may still be sending (always, or only when input beyond what was
  // consumed has arrived: nginx's heuristic), it first half-closes and reads, discarding, until the peer closes too,
  // at most 2 s, so that it reads the last answer rather than a reset (lingering close).
  enum class Linger : unsigned char { if_input_waits, always };
  void close_after_writes(Linger linger = Linger::if_input_waits);
  bool closed() const { return closed_; }

  // --- hand-over: the next protocol takes the stream with the bytes read but not consumed ---
  void set_handler(std::unique_ptr<StreamHandler> handler);
  StreamHandler* handler() const { return handler_.get(); }

  Loop& loop();
  NetContext& context() { return ctx_; }
  const std::string& peer_address() const { return peer_address_; }  // empty for unix sockets
  std::uint16_t peer_port() const { return peer_port_; }
  // Whether the stream speaks TLS (reads and writes go through its session).
  bool secure() const { return tls_ != nullptr; }
  // The client a proxy in front names (e.g. in a PROXY protocol header) in place of the socket's peer.
  void set_peer(std::string address, std::uint16_t port) {
    peer_address_ = std::move(address);
    peer_port_ = port;
  }

  // --- for the server that owns the loop ---
  // Makes the stream a TLS server side: what it reads is decrypted and what it writes encrypted from now on; the
  // handshake must complete within the context's handshake timeout. Before start(), or by a protocol that read a
  // plaintext preamble (a PROXY header): the bytes read but not consumed are the handshake's first.
  void start_tls(const TlsContext& context);
  // Starts serving a stream whose handler was set (reading if the handler asked to).
  void start();
  void on_tick(Clock::time_point now);
  void drain();
  // Called by KeepAliveReads for a stream whose next read it deferred.
  void read_deferred();
  // Called by WriteBatch at the end of the turn in which the stream answered.
  void flush_batched();
  void arm_batched();
  Stream* prev = nullptr;  // the loop's list of open streams
  Stream* next = nullptr;

  friend void intrusive_ptr_add_ref(Stream* s) { ++s->refs_; }
  friend void intrusive_ptr_release(Stream* s) {
    if (--s->refs_ == 0) s->destroy();
  }

 protected:
  explicit Stream(NetContext& ctx);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

 private:
  friend class SocketStream;
  enum class ReadOp : unsigned char { none, hot, wait };
  struct FileSegment;

  void destroy();
  void dispatch();
  void after_dispatch();
  void arm_next_read();
  void arm_read(bool watch_now = false);
  bool make_room();
  void read_now();
  void on_read(int error, std::size_t n, bool eof);
  // The byte transport under the stream, per read or write (never per byte): the socket, or a TLS session over it.
  // A socket read brought n bytes to data_ + end_ (for TLS ciphertext, decrypted in place): on to on_read().
  void received(const boost::system::error_code& ec, std::size_t n);
  void received_tls(const boost::system::error_code& ec, std::size_t n);
  // A non-blocking read into data_ + end_ (none while the TLS session holds input still to decrypt).
  std::size_t read_socket_now(boost::system::error_code& ec);
  // Sends up to n bytes of data (encrypted first, for TLS).
  std::size_t send_some(const char* data, std::size_t n, boost::system::error_code& ec);
  // Writes the TLS session's ciphertext until it is all out or the socket refuses (ec).
  void write_tls_output(boost::system::error_code& ec);
  // The same for flush(): false when the socket would block (then waits for it) or the stream closed.
  bool send_tls_output();
  // The TLS piece of flush_file(): encrypts the next part of the file; false when it must wait or the stream closed.
  bool encrypt_file_piece();
  void on_readable();
  void on_peek(int error, std::size_t n);
  void flush();
  bool flush_file();
  void wait_writable();
  void linger();
  void resume_waiters();
  bool wants_data() const { return wants_read_ || read_waiter_; }
  void acquire_read_buffer();
  void free_read_buffer();
  void release_idle_buffers();
  std::string& out();

  // Kept small: an idle keep-alive connection is this, its protocol and the socket's state in Asio's reactor.
  NetContext& ctx_;
  std::unique_ptr<StreamHandler> handler_;
  // The input: a pooled ReadBuffer's bytes while capacity_ is its size, else a heap block reserve() made larger.
  char* data_ = nullptr;
  std::uint32_t begin_ = 0, end_ = 0, capacity_ = 0;
  std::uint32_t refs_ = 0;
  std::unique_ptr<std::string> out_;
  std::size_t out_off_ = 0;
  std::unique_ptr<FileSegment> file_;
  std::unique_ptr<TlsSession> tls_;       // TLS listeners' streams only
  ReadAwaiter* read_waiter_ = nullptr;    // a coroutine waiting in read_*()
  WriteAwaiter* write_waiter_ = nullptr;  // a coroutine waiting in co_await write()
  std::unique_ptr<Ready> ready_;          // a write's completion waiting for the queue to drain (rare)
  std::string peer_address_;
  Clock::time_point read_deadline_ = Clock::time_point::max();
  Clock::time_point write_deadline_;
  Clock::duration read_timeout_{0};
  std::uint16_t peer_port_ = 0;
  ReadOp read_op_ = ReadOp::none;
  bool wants_read_ : 1 = false;
  bool per_read_timeout_ : 1 = false;
  bool cold_ : 1 = false;        // idle for a while: watch for input without holding a buffer
  bool stale_ : 1 = false;       // a tick passed with the hot read still pending and nothing buffered
  bool eof_ : 1 = false;
  bool writing_ : 1 = false;     // waiting for the socket to take more
  bool dispatching_ : 1 = false;
  bool wrote_ : 1 = false;       // something was queued during this dispatch
  bool deferred_ : 1 = false;    // in KeepAliveReads' list
  bool hang_up_may_wait_ : 1 = false;
  bool watch_at_tick_ : 1 = false;  // the hang-up watch of a busy stream waits for the next tick
  bool batched_ : 1 = false;     // in WriteBatch's list
  bool dispatch_posted_ : 1 = false;
  bool close_after_writes_ : 1 = false;
  bool linger_always_ : 1 = false;
  bool read_full_ : 1 = false;   // the last read filled the buffer: more input may wait in the socket
  bool flushed_ : 1 = false;     // something was sent: later sends go without Nagle's delay (TCP_NODELAY)
  bool nodelay_ : 1 = false;
  bool tcp_ : 1 = false;
  bool lingering_ : 1 = false;
  bool closed_ : 1 = false;
};

// co_await stream.read_*(...): completes at once when the buffer already satisfies it.
class Stream::ReadAwaiter {
 public:
  bool await_ready();
  void await_suspend(std::coroutine_handle<> h);
  std::string_view await_resume();

 private:
  friend class Stream;
  enum class Kind : unsigned char { until, bytes, some, until_close };
  ReadAwaiter(Stream& s, Kind kind, std::string_view delimiter, std::size_t n, bool partial)
      : stream_(s), kind_(kind), delimiter_(delimiter), n_(n), partial_(partial) {}
  // How many buffered bytes complete the read (0: not yet); throws for an unsatisfiable read.
  std::size_t satisfied() const;
  Stream& stream_;
  Kind kind_;
  std::string_view delimiter_;
  std::size_t n_;  // bytes, or max_bytes
  bool partial_;
  std::coroutine_handle<> waiting_;
};

// co_await stream.write(...): completes once the queue is under the low watermark; throws on a closed stream.
class Stream::WriteAwaiter {
 public:
  bool await_ready() const;
  void await_suspend(std::coroutine_handle<> h);
  void await_resume() const;

 private:
  friend class Stream;
  explicit WriteAwaiter(Stream& s) : stream_(s) {}
  Stream& stream_;
  std::coroutine_handle<> waiting_;
};

}  // namespace updraft
