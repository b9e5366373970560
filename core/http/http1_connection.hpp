// Http1Connection: the HTTP/1.1 protocol on a Stream: parses requests, hands each to a delegate, frames the answers,
// applies the head, body and keep-alive timeouts, and closes the connection when a response cannot be completed.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/http/delegate.hpp"
#include "core/http/http_context.hpp"
#include "core/http/request_parser.hpp"
#include "core/http/response_encoder.hpp"
#include "core/net/stream.hpp"

namespace updraft {

class Http1Connection final : public StreamHandler, public ResponseWriter, private ParserListener {
 public:
  Http1Connection(HttpContext& ctx, Stream& stream);
  ~Http1Connection() override;
  // Waits for the first request (the head timeout applies from the start).
  void start();

  // StreamHandler
  void on_data(Stream& stream) override;
  void on_close(Stream& stream) override;
  void on_timeout(Stream& stream) override;
  void on_drain(Stream& stream) override;

  // ResponseWriter
  void write_head(int status, const HeaderList& headers, std::string_view reason) override;
  using ResponseWriter::write_head;
  void write(std::string_view chunk, Ready ready) override;
  void send_file(int fd, std::uint64_t offset, std::uint64_t length, Ready done) override;
  void finish() override;
  void abort() override { stream_.close("response aborted by its handler"); }
  void switch_protocols(const HeaderList& headers, ProtocolFactory next) override;
  void pause_reading() override;
  void resume_reading() override;
  bool closed() const override { return stream_.closed(); }
  Loop& loop() override { return stream_.loop(); }

 private:
  enum class Phase : unsigned char { idle, head, body, handling };

  // ParserListener
  int on_head(RequestHead& head) override;
  int on_body(std::string_view chunk) override;
  std::string rejection_reason() const override;

  void process_input();
  void begin_request();
  void complete_request();
  void record_response();  // the metrics and the access log line of the response just finished
  void continue_after_response();
  void reject(int status, std::string_view reason);
  void release_head();
  void release_parser();
  void read_requests();

  HttpContext& ctx_;
  Stream& stream_;
  std::unique_ptr<RequestParser> parser_;  // from the loop's free parsers, while a request is being read
  std::unique_ptr<RequestDelegate> delegate_;
  std::unique_ptr<RequestHead> head_;
  ResponsePlan plan_;
  std::uint64_t body_received_ = 0;
  std::uint64_t body_limit_ = 0;
  std::uint64_t body_sent_ = 0;
  std::chrono::steady_clock::time_point request_start_;
  int status_ = 0;
  Phase phase_ = Phase::idle;
  bool processing_ = false;
  bool response_started_ = false;
  bool response_finished_ = false;
  bool closing_ = false;        // close once the response in flight has gone out
  bool body_paused_ = false;    // the delegate paused the body (pause_reading)
  bool resume_posted_ = false;
  bool switching_ = false;      // answered 101: the stream goes to the next protocol, no more HTTP
  bool trusted_peer_ = false;   // a trusted proxy: its forwarding headers apply (proxy_headers.hpp)
};

}  // namespace updraft
