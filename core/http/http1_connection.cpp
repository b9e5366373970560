// Http1Connection: the per-connection HTTP/1.1 state machine (parse, dispatch, frame, time out) on a Stream.
#include "core/http/http1_connection.hpp"

#include <spdlog/spdlog.h>

#include "core/http/proxy_headers.hpp"
#include "core/net/metrics.hpp"
#include "core/net/loop.hpp"
#include "core/net/net_context.hpp"

namespace updraft {

namespace {
// How long an idle keep-alive connection waits for a request: while the server drains, only for one its client may
// have sent already (answered with Connection: close); closing at once would reset it, a failed request.
Timeouts::seconds idle_wait(Stream& stream, const Timeouts& timeouts) {
  constexpr Timeouts::seconds kDrainGrace{0.25};
  return stream.context().draining ? std::min(timeouts.idle, kDrainGrace) : timeouts.idle;
}
}  // namespace

Http1Connection::Http1Connection(HttpContext& ctx, Stream& stream) : ctx_(ctx), stream_(stream) {}

Http1Connection::~Http1Connection() {
  release_head();
  release_parser();
}

void Http1Connection::start() {
  trusted_peer_ = ctx_.config.trusted_proxies.contains(stream_.peer_address());
  stream_.set_read_timeout(ctx_.config.timeouts.header, false);
  stream_.start_reading();
}

void Http1Connection::release_head() {
  if (!head_) return;
  head_->clear();
  ctx_.heads.release(std::move(head_));
}

void Http1Connection::release_parser() {
  if (parser_ && ctx_.parsers.size() < 256) ctx_.parsers.push_back(std::move(parser_));
  parser_.reset();
}

void Http1Connection::on_data(Stream&) { process_input(); }

void Http1Connection::begin_request() {
  head_ = ctx_.heads.acquire();
  head_->remote_ip.assign(stream_.peer_address());
  head_->remote_port = stream_.peer_port();
  head_->protocol = stream_.secure() ? "https" : "http";
  ParserListener& listener = *this;
  if (ctx_.parsers.empty()) {
    parser_ = std::make_unique<RequestParser>(ctx_.config.limits, listener);
  } else {
    parser_ = std::move(ctx_.parsers.back());
    ctx_.parsers.pop_back();
    parser_->restart(listener);
  }
  parser_->set_head(head_.get());
  phase_ = Phase::head;
  request_start_ = std::chrono::steady_clock::now();  // for the access log and the latency histograms
  stream_.set_read_timeout(ctx_.config.timeouts.header, false);
}

// Parses what the stream holds: each complete request goes to its delegate, and pipelined ones follow as long as
// their predecessor was answered at once.
void Http1Connection::process_input() {
  processing_ = true;
  while (!stream_.closed() && !closing_ && phase_ != Phase::handling && !body_paused_) {
    std::string_view input = stream_.buffered();
    if (input.empty()) break;
    if (phase_ == Phase::idle) begin_request();
    RequestParser::Result r = parser_->feed(input);
    stream_.consume(r.consumed);
    if (r.outcome == RequestParser::Outcome::error) {
      processing_ = false;
      return reject(r.status, r.reason);
    }
    if (r.outcome == RequestParser::Outcome::need_more) break;
    release_parser();  // the request is read: the next one starts from a fresh parser
    phase_ = Phase::handling;
    if (delegate_) delegate_->finish();
    if (switching_) break;
    if (response_finished_) complete_request();
  }
  processing_ = false;
  if (stream_.closed() || switching_) return;
  // Answered before its body ended, and the connection closes: the rest of the body is discarded by lingering.
  if (phase_ == Phase::body && response_finished_ && closing_) complete_request();
  if (closing_) {
    stream_.stop_reading();
    if (phase_ == Phase::idle) stream_.close_after_writes();
    return;
  }
  if (stream_.at_end()) {
    if (phase_ == Phase::head || phase_ == Phase::body) return stream_.close("request cut short");
    if (phase_ == Phase::idle) return stream_.close_after_writes();
    closing_ = true;  // answer the request in flight, then close
  }
  if (phase_ == Phase::handling) stream_.stop_reading();  // a hang-up meanwhile still reaches on_close()
}

int Http1Connection::on_head(RequestHead& head) {
  const HttpConfig& cfg = ctx_.config;
  if (trusted_peer_) apply_proxy_headers(head, cfg.trusted_proxies);
  delegate_ = cfg.factory->start_request(head, *this);
  stream_.set_hang_up_watch_may_wait(delegate_->hang_up_may_wait());
  body_received_ = 0;
  body_limit_ = delegate_->max_body_size().value_or(cfg.limits.max_body_size);
  if (head.content_length && *head.content_length > body_limit_) return 413;
  auto expect = head.headers.get("expect");
  if (expect && !iequals(*expect, "100-continue")) return 417;
  if (head.has_body()) {
    phase_ = Phase::body;
    stream_.set_read_timeout(cfg.timeouts.body, true);
  }
  delegate_->headers_received();
  // A handler that streams its body may have set its own limit in prepare() (Tornado's set_max_body_size).
  body_limit_ = delegate_->max_body_size().value_or(cfg.limits.max_body_size);
  if (response_started_) return 0;  // answered from the head alone: no 100 Continue, the body is dropped
  if (head.content_length && *head.content_length > body_limit_) return 413;
  if (expect && head.has_body() && head.version_minor == 1) stream_.write("HTTP/1.1 100 Continue\r\n\r\n");
  return 0;
}

// on_head() and on_body() reject only a body over the limit (413) and an Expect other than 100-continue (417).
std::string Http1Connection::rejection_reason() const {
  bool declared_too_large = head_ && head_->content_length && *head_->content_length > body_limit_;
  if (declared_too_large || body_received_ > body_limit_)
    return "request body too large (the limit is " + std::to_string(body_limit_) + " bytes)";
  return "only \"Expect: 100-continue\" is supported";
}

int Http1Connection::on_body(std::string_view chunk) {
  body_received_ += chunk.size();
  if (body_received_ > body_limit_) return 413;
  if (delegate_) delegate_->data_received(chunk);
  return 0;
}

void Http1Connection::write_head(int status, const HeaderList& headers, std::string_view reason) {
  ctx_.loop.assert_in_loop_thread("ResponseWriter::write_head");
  if (stream_.closed() || response_started_) return;
  response_started_ = true;
  status_ = status;
  body_sent_ = 0;
  // A client that has finished sending gets Connection: close, unless requests it pipelined are still to be answered.
  bool last = stream_.context().draining || (stream_.at_end() && stream_.buffered().empty());
  plan_ = plan_response(*head_, status, headers, last);
  encode_head(stream_.output(), *head_, status, headers, plan_, ctx_.loop.date_header(), reason);
}

void Http1Connection::write(std::string_view chunk, Ready ready) {
  ctx_.loop.assert_in_loop_thread("ResponseWriter::write");
  if (stream_.closed() || response_finished_) return;
  if (!response_started_) write_head(200, HeaderList());
  std::string& out = stream_.output();
  switch (plan_.framing) {
    case BodyFraming::none:
      chunk = {};
      break;
    case BodyFraming::content_length:
      if (body_sent_ + chunk.size() > plan_.length) {
        spdlog::error("response body longer than its Content-Length ({}): truncated, connection closed", plan_.length);
        chunk = chunk.substr(0, plan_.length - body_sent_);
        closing_ = true;
      }
      out.append(chunk);
      break;
    case BodyFraming::chunked:
      encode_chunk(out, chunk);
      break;
    case BodyFraming::until_close:
      out.append(chunk);
      break;
  }
  body_sent_ += chunk.size();
  stream_.write({}, std::move(ready));
}

void Http1Connection::send_file(int fd, std::uint64_t offset, std::uint64_t length, Ready done) {
  ctx_.loop.assert_in_loop_thread("ResponseWriter::send_file");
  if (stream_.closed() || response_finished_) {
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
  if (chunked) encode_chunk_header(stream_.output(), length);
  body_sent_ += length;
  if (!chunked) return stream_.send_file(fd, offset, length, std::move(done));
  stream_.send_file(fd, offset, length, [this, done = std::move(done)] {
    stream_.output().append("\r\n");  // the chunk's end goes out with what follows
    if (done) done();
  });
}

void Http1Connection::finish() {
  ctx_.loop.assert_in_loop_thread("ResponseWriter::finish");
  if (stream_.closed() || response_finished_) return;
  if (!response_started_) write_head(200, HeaderList());
  if (plan_.framing == BodyFraming::chunked) encode_last_chunk(stream_.output());
  if (plan_.framing == BodyFraming::content_length && body_sent_ < plan_.length) {
    spdlog::error("response body shorter than its Content-Length ({} of {}): connection closed", body_sent_,
                  plan_.length);
    closing_ = true;
  }
  if (!plan_.keep_alive || plan_.framing == BodyFraming::until_close) closing_ = true;
  response_finished_ = true;
  stream_.write({});
  if (phase_ == Phase::body) {
    // Answered before the request's body ended: what is left of it is read and dropped, however its delegate had
    // paused reading (a full WSGI body channel).
    resume_reading();
    if (closing_ && !processing_) continue_after_response();
    return;
  }
  if (processing_ || phase_ != Phase::handling) return;
  continue_after_response();
}

void Http1Connection::switch_protocols(const HeaderList& headers, ProtocolFactory next) {
  ctx_.loop.assert_in_loop_thread("ResponseWriter::switch_protocols");
  if (stream_.closed() || response_started_ || switching_) return abort();
  switching_ = response_started_ = response_finished_ = true;
  status_ = 101;
  body_sent_ = 0;
  encode_switching_protocols(stream_.output(), headers, ctx_.loop.date_header());
  stream_.write({});
  stream_.stop_reading();  // what the client sends next is the next protocol's
  stream_.set_hang_up_watch_may_wait(false);
  record_response();
  // The caller is the delegate, which moves on with the stream: the hand-over waits for a fresh stack.
  ctx_.loop.post([self = StreamRef(&stream_), this, next = std::move(next)] {
    if (self->closed() || self->handler() != this) return;
    Stream& stream = *self;
    auto protocol = next(stream, std::move(head_), std::move(delegate_));
    stream.set_read_timeout(std::chrono::seconds(0), false);  // the next protocol sets its own
    stream.set_handler(std::move(protocol));                  // this connection ends here
    stream.start_reading();
  });
}

// A response finished from outside the connection's own calls (a coroutine, a timer, a WSGI worker): the connection
// moves on to the next request on a fresh stack, since the caller may be the delegate that completing destroys.
void Http1Connection::continue_after_response() {
  if (resume_posted_) return;
  resume_posted_ = true;
  ctx_.loop.post([self = StreamRef(&stream_), this] {
    if (self->closed() || self->handler() != this) return;
    resume_posted_ = false;
    if (phase_ == Phase::handling || (phase_ == Phase::body && closing_)) complete_request();
    read_requests();
  });
}

// After a response: the next request (perhaps already buffered), or the close the response asked for.
void Http1Connection::read_requests() {
  if (stream_.closed()) return;
  if (closing_) {
    stream_.stop_reading();
    if (phase_ == Phase::idle) stream_.close_after_writes();
    return;
  }
  if (stream_.at_end() && stream_.buffered().empty() && phase_ == Phase::idle) return stream_.close_after_writes();
  stream_.start_reading();
}

void Http1Connection::record_response() {
  Metrics::instance().count_response(status_);
  LatencyHistogram* latency = delegate_ ? delegate_->latency_histogram() : nullptr;
  if (!latency && !ctx_.access_log.enabled()) return;
  const auto took = std::chrono::steady_clock::now() - request_start_;
  if (latency) latency->observe(took);
  if (ctx_.access_log.enabled()) {
    ctx_.access_log.record(
        {head_->remote_ip, head_->method, head_->target, head_->version_minor, status_, body_sent_, took, &head_->headers});
  }
}

void Http1Connection::complete_request() {
  record_response();
  delegate_.reset();
  stream_.set_hang_up_watch_may_wait(false);
  release_head();
  bool body_left = phase_ == Phase::body;  // answered before its body ended: the client is still sending it
  phase_ = Phase::idle;
  response_started_ = response_finished_ = false;
  body_paused_ = false;
  // While draining, a response that promised keep-alive (sent before the drain began) still takes the next request.
  stream_.set_read_timeout(idle_wait(stream_, ctx_.config.timeouts), false);
  if (closing_) {
    stream_.stop_reading();
    stream_.close_after_writes(body_left ? Stream::Linger::always : Stream::Linger::if_input_waits);
  }
}

void Http1Connection::reject(int status, std::string_view reason) {
  spdlog::debug("{}: rejecting request with {}: {}", stream_.peer_address(), status, reason);
  Metrics::instance().count_response(status);
  if (response_started_) return stream_.close("error after the response started");
  if (delegate_) {
    delegate_->on_connection_close();
    delegate_.reset();
  }
  if (ctx_.access_log.enabled()) {
    ctx_.access_log.record({stream_.peer_address(), head_ ? head_->method : std::string_view(),
                            head_ ? std::string_view(head_->target) : std::string_view(),
                            head_ ? head_->version_minor : 1, status, 0,
                            std::chrono::steady_clock::now() - request_start_, head_ ? &head_->headers : nullptr});
  }
  // Responses still queued for earlier pipelined requests go out first.
  encode_error(stream_.output(), status, reason, ctx_.loop.date_header());
  closing_ = true;
  phase_ = Phase::idle;
  stream_.stop_reading();
  stream_.close_after_writes(Stream::Linger::always);  // the client may still be sending what we refused
}

void Http1Connection::pause_reading() {
  body_paused_ = true;
  stream_.stop_reading();
}

void Http1Connection::resume_reading() {
  ctx_.loop.assert_in_loop_thread("ResponseWriter::resume_reading");
  if (!body_paused_ || stream_.closed()) return;
  body_paused_ = false;
  if (phase_ == Phase::body) stream_.set_read_timeout(ctx_.config.timeouts.body, true);
  stream_.start_reading();  // delivers what is buffered on a fresh stack: the caller may be the delegate
}

void Http1Connection::on_timeout(Stream&) {
  switch (phase_) {
    case Phase::idle:
      return stream_.close();
    case Phase::head:
    case Phase::body:
      return reject(408, "timed out reading the request");
    case Phase::handling:
      return;
  }
}

void Http1Connection::on_drain(Stream&) {
  if (phase_ == Phase::idle && stream_.write_buffer_size() == 0 && stream_.buffered().empty())
    return stream_.set_read_timeout(idle_wait(stream_, ctx_.config.timeouts), false);
  // The response in flight says Connection: close, and the connection closes after it.
}

void Http1Connection::on_close(Stream&) {
  // Answered, but the client left before the completion posted by finish() ran: the response still counts.
  if (response_finished_ && !switching_ && head_) record_response();
  if (delegate_) {
    delegate_->on_connection_close();
    delegate_.reset();
  }
}

}  // namespace updraft
