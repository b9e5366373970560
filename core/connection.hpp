// Connection: one HTTP/1.1 connection on its loop: reads, parses, dispatches to a delegate, writes, times out.
#pragma once

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "core/delegate.hpp"
#include "core/loop_context.hpp"
#include "core/request_parser.hpp"
#include "core/response_encoder.hpp"

namespace updraft {

class Connection final : public ResponseWriter, private ParserListener {
 public:
  using Clock = std::chrono::steady_clock;
  // Bound to its io_context's executor: 40 bytes smaller than with the type-erased any_io_executor.
  using Socket =
      boost::asio::basic_stream_socket<boost::asio::generic::stream_protocol, boost::asio::io_context::executor_type>;

  Connection(LoopContext& ctx, Socket socket);
  ~Connection() override;
  void start();
  // Called by the loop's tick: applies the timeouts.
  void on_tick(Clock::time_point now);
  // Graceful shutdown: close now if idle, else after the response in flight.
  void drain();
  // Graceful timeout passed: close whatever is still open.
  void drain_hard() { close_now("graceful timeout"); }
  // Called by KeepAliveReads for a connection whose read it deferred.
  void read_next_request();

  // ResponseWriter
  void write_head(int status, const HeaderList& headers, std::string_view reason) override;
  using ResponseWriter::write_head;
  void write(std::string_view chunk, Ready ready) override;
  void send_file(int fd, std::uint64_t offset, std::uint64_t length, Ready done) override;
  void finish() override;
  void abort() override { close_now("response aborted by its handler"); }
  void pause_reading() override { read_paused_ = true; }
  void resume_reading() override;
  bool closed() const override { return closed_; }
  Loop& loop() override { return ctx_.loop; }

  Connection* prev = nullptr;
  Connection* next = nullptr;

 private:
  enum class Phase : unsigned char { idle, head, body, handling, lingering };

  // ParserListener
  int on_head(RequestHead& head) override;
  int on_body(std::string_view chunk) override;

  void describe_peer();
  void wait_readable();
  boost::asio::mutable_buffer read_space();
  // Reads what has arrived; false: nothing had (a read is now pending).
  bool read_now();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void process_input();
  void complete_request();
  void flush();
  bool flush_file();
  void wait_writable();
  void reject(int status, std::string_view reason);
  void linger();
  void close_now(const char* why);
  void finalize();
  void release_idle_buffers();
  void release_write_buffer();
  std::string& out();
  void set_deadline(std::chrono::duration<double> d);

  LoopContext& ctx_;
  Socket socket_;
  RequestParser parser_;
  std::unique_ptr<RequestDelegate> delegate_;
  std::unique_ptr<RequestHead> head_;
  std::unique_ptr<ReadBuffer> in_;
  std::unique_ptr<std::string> out_;
  std::size_t out_off_ = 0;
  Ready ready_;
  struct FileSegment {
    int fd;
    std::uint64_t offset;
    std::uint64_t remaining;
    bool chunked;
    Ready done;
  };
  std::unique_ptr<FileSegment> file_;  // sent once out_ has drained
  ResponsePlan plan_;
  std::uint64_t body_received_ = 0;
  std::uint64_t body_limit_ = 0;
  std::uint64_t body_sent_ = 0;
  Clock::time_point deadline_;
  Clock::time_point write_deadline_;
  Clock::time_point request_start_;
  std::string remote_address_;
  std::uint16_t remote_port_ = 0;
  int status_ = 0;
  unsigned pending_ = 0;  // async operations and posted calls still referring to this
  Phase phase_ = Phase::idle;
  bool processing_ = false;
  bool response_started_ = false;
  bool response_finished_ = false;
  bool close_after_flush_ = false;
  bool peer_eof_ = false;
  bool reading_ = false;
  bool read_cold_ = false;   // idle for a while: wait for readiness without holding a read buffer
  bool read_stale_ = false;  // a tick passed with the buffered read still pending
  bool writing_ = false;
  bool resume_posted_ = false;
  bool read_paused_ = false;
  bool closed_ = false;
};

}  // namespace updraft
