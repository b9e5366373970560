// RequestHandler: runs prepare/method/on_finish, buffers the response, turns HTTPError into error pages.
#include "native/request_handler.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <utility>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/http/response_encoder.hpp"
#include "native/accept.hpp"
#include "native/application.hpp"
#include "native/cookie_state.hpp"
#include "native/error_page.hpp"
#include "native/multipart_form.hpp"
#include "native/response_compressor.hpp"

namespace updraft {

std::optional<Method> parse_method(std::string_view name) {
  if (name == "GET") return Method::get;
  if (name == "HEAD") return Method::head;
  if (name == "POST") return Method::post;
  if (name == "PUT") return Method::put;
  if (name == "PATCH") return Method::patch;
  if (name == "DELETE") return Method::delete_;
  if (name == "OPTIONS") return Method::options;
  return std::nullopt;
}

namespace {
std::string allow_header(unsigned methods) {
  static const std::pair<Method, const char*> names[] = {
      {Method::get, "GET"},     {Method::head, "HEAD"},       {Method::post, "POST"},       {Method::put, "PUT"},
      {Method::patch, "PATCH"}, {Method::delete_, "DELETE"}, {Method::options, "OPTIONS"}};
  std::string allow;
  for (auto [m, name] : names) {
    if (!(methods & static_cast<unsigned>(m))) continue;
    if (!allow.empty()) allow.append(", ");
    allow.append(name);
  }
  return allow;
}

bool status_without_body(int status) { return status < 200 || status == 204 || status == 304; }

// A line break would let a header value start a new header (response splitting); a colon in a name would shift it.
void check_header(std::string_view name, std::string_view value) {
  auto breaks_line = [](char c) { return c == '\r' || c == '\n'; };
  bool unsafe = std::any_of(value.begin(), value.end(), breaks_line) ||
                std::any_of(name.begin(), name.end(), [&](char c) { return breaks_line(c) || c == ':'; });
  if (unsafe) throw std::invalid_argument("unsafe header " + std::string(name));
}
}  // namespace

RequestHandler::RequestHandler() = default;
RequestHandler::~RequestHandler() = default;

void RequestHandler::bind(const Application& app, const RequestHead& head, ResponseWriter& writer,
                          std::vector<std::string> args, unsigned allowed_methods) {
  app_ = &app;
  head_ = &head;
  writer_ = &writer;
  loop_ = &writer.loop();
  path_args_ = std::move(args);
  allowed_methods_ = allowed_methods;
}

void RequestHandler::begin() {
  initialize_route();
  auto method = parse_method(head_->method);
  if (!method || !(allowed_methods_ & static_cast<unsigned>(*method))) {
    set_header("Allow", allow_header(allowed_methods_));
    throw HTTPError(405);
  }
  bool safe_method = *method == Method::get || *method == Method::head || *method == Method::options;
  if (app_->xsrf_cookies() && !safe_method) check_xsrf_cookie();
  prepare();
}

void RequestHandler::run_method() {
  task_ = invoke(*parse_method(head_->method));  // begin() answered 405 for any other
  if (task_.done()) return after_method();
  task_.on_done([this] {
    try {
      after_method();
    } catch (...) {
      handle_exception(std::current_exception());
    }
  });
}

void RequestHandler::after_method() {
  task_.rethrow_if_failed();
  if (!finished_) finish();
}

void RequestHandler::handle_exception(std::exception_ptr error) {
  int status = 500;
  std::string reason;
  try {
    std::rethrow_exception(error);
  } catch (const HTTPError& e) {
    status = e.status();
    reason = e.reason();
    if (status >= 500) spdlog::error("{} {}: {}", head_->method, head_->target, e.what());
  } catch (const std::exception& e) {
    spdlog::error("uncaught exception in {} {}: {}", head_->method, head_->target, e.what());
  } catch (...) {
    spdlog::error("uncaught non-standard exception in {} {}", head_->method, head_->target);
  }
  if (finished_) return;  // the response went out whole; the error is only logged
  error_exception_ = error;
  if (headers_written_) {
    // Too late for an error page: the client must not take this for a complete response.
    finished_ = true;
    writer_->abort();
    return;
  }
  send_error(status, reason);
}

void RequestHandler::write_error(int status) {
  std::string exception = app_->debug() ? describe_exception(error_exception_) : std::string();
  set_header("Vary", "Accept");
  if (prefers_json(header("Accept"))) write(json_error_page(status, error_reason(), exception));
  else write(html_error_page(status, error_reason(), exception));
}

const std::string& RequestHandler::error_reason() const {
  static const std::string none;
  return error_reason_ ? *error_reason_ : none;
}

void RequestHandler::send_error(int status, std::string_view reason) {
  if (headers_written_) {
    spdlog::error("cannot send error {}: response already started", status);
    if (!finished_) finish();
    return;
  }
  buffer_.clear();
  std::optional<std::string> allow;
  if (status == 405) {
    if (auto a = headers().get("Allow")) allow.emplace(*a);
  }
  headers_.reset();
  if (allow) headers().add("Allow", *allow);
  set_status(status);
  error_reason_ = std::make_unique<std::string>(reason.empty() ? reason_phrase(status) : reason);
  try {
    write_error(status);
  } catch (const std::exception& e) {
    spdlog::error("exception in write_error: {}", e.what());
  }
  if (!finished_) finish();
}

void RequestHandler::set_status(int status) {
  if (status < 100 || status > 599) throw std::invalid_argument("invalid HTTP status " + std::to_string(status));
  status_ = status;
}

void RequestHandler::set_header(std::string_view name, std::string_view value) {
  check_header(name, value);
  headers().set(name, value);
}

void RequestHandler::add_header(std::string_view name, std::string_view value) {
  check_header(name, value);
  headers().add(name, value);
}

void RequestHandler::clear_header(std::string_view name) { headers().remove(name); }

// Made on first use, with Tornado's default Content-Type: a handler waiting in a coroutine before it sets any header
// holds no list.
HeaderList& RequestHandler::headers() {
  if (!headers_) {
    headers_ = std::make_unique<HeaderList>();
    headers_->add("Content-Type", "text/html; charset=UTF-8");
  }
  return *headers_;
}

void RequestHandler::write(std::string_view chunk) {
  if (finished_) throw std::logic_error("write() after finish()");
  buffer_.append(chunk);
}

void RequestHandler::write(const boost::json::value& json) {
  set_header("Content-Type", "application/json; charset=UTF-8");
  write(boost::json::serialize(json));
}

void RequestHandler::send_head() {
  add_cookie_headers();
  headers_written_ = true;
  writer_->write_head(status_, headers());
}

void RequestHandler::finish(std::string_view chunk) {
  if (finished_) throw std::logic_error("finish() called twice");
  buffer_.append(chunk);
  if (!headers_written_) {
    if (status_without_body(status_)) {
      buffer_.clear();
      headers().remove("Content-Type");
    } else {
      headers().set("Content-Length", std::to_string(buffer_.size()));
    }
  }
  transform_output(true);
  if (!headers_written_) send_head();
  finished_ = true;
  if (!buffer_.empty()) writer_->write(buffer_);
  buffer_.clear();
  writer_->finish();
  on_finish();
}

void RequestHandler::finish_with_file(int fd, std::uint64_t offset, std::uint64_t length) {
  if (finished_ || headers_written_) {
    ::close(fd);
    throw std::logic_error("finish_with_file() after the response started");
  }
  headers().set("Content-Length", std::to_string(buffer_.size() + length));
  send_head();
  finished_ = true;
  if (!buffer_.empty()) writer_->write(buffer_);
  buffer_.clear();
  writer_->send_file(fd, offset, length, [this] {  // never runs if the client leaves first
    writer_->finish();
    on_finish();
  });
}

std::string RequestHandler::static_url(std::string_view path) const { return app_->static_url(path); }

void RequestHandler::switch_protocols(ResponseWriter::ProtocolFactory next) {
  if (headers_written_) throw std::logic_error("cannot switch protocols after headers have been written");
  headers().remove("Content-Type");
  add_cookie_headers();
  headers_written_ = finished_ = true;
  std::exchange(writer_, nullptr)->switch_protocols(headers(), std::move(next));
  headers_.reset();  // encoded into the 101; the connection may live for hours
}

// The application's compress_response (Tornado's output transforms): the first chunk decides, and may rewrite the
// headers, before they go.
void RequestHandler::transform_output(bool finishing) {
  if (!headers_written_) {
    if (const auto& options = app_->compress_response())
      compressor_ = ResponseCompressor::start(*options, request(), status_, headers(), buffer_, finishing);
  } else if (compressor_) {
    compressor_->transform_chunk(buffer_, finishing);
  }
  if (finishing) compressor_.reset();
}

RequestHandler::FlushAwaiter RequestHandler::flush() {
  transform_output(false);
  if (!headers_written_) send_head();
  if (buffer_.empty()) return {this, false};
  writer_->write(buffer_);
  buffer_.clear();
  return {this, true};
}

bool RequestHandler::FlushAwaiter::await_ready() const noexcept { return !pending || handler->writer_->closed(); }

// Asks to be woken only when a coroutine actually waits (an empty write carries the `ready`
// completion): a flush() nobody awaits must leave no callback that could outlive the handler.
void RequestHandler::FlushAwaiter::await_suspend(std::coroutine_handle<> h) {
  handler->writer_->write({}, [h] { h.resume(); });
}

void RequestHandler::SleepAwaiter::await_suspend(std::coroutine_handle<> h) {
  timer = loop.call_later(delay, [h] { h.resume(); });
}

void RequestHandler::redirect(std::string_view url, bool permanent) {
  if (headers_written_) throw std::logic_error("cannot redirect after headers have been written");
  set_status(permanent ? 301 : 302);
  set_header("Location", url);
  finish();
}

}  // namespace updraft
