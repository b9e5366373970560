// RequestHandler: the base of native handlers, Tornado's tornado.web.RequestHandler in C++.
//
// Derive from it and declare any of get(), head(), post(), put(), patch(), delete_(),
// options(), returning void (a synchronous handler) or Task<> (a coroutine that may
// co_await sleep() or other tasks). Methods you do not declare answer 405 with Allow.
// Optionally declare initialize(args...), which receives the arguments the route was added
// with (Application::add<H>(pattern, args...)), and, with
// `static constexpr bool stream_request_body = true;`, data_received(std::string_view chunk)
// (void or Task) to take the body as it arrives (Tornado's @stream_request_body).
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/json/fwd.hpp>

#include "core/http/delegate.hpp"
#include "core/net/loop.hpp"
#include "native/cookies.hpp"
#include "native/http_error.hpp"
#include "native/uploaded_file.hpp"
#include "core/net/task.hpp"
#include "core/http/url.hpp"

namespace updraft {

class Application;
class MultipartForm;
class ResponseCompressor;

enum class Method : unsigned { get = 1, head = 2, post = 4, put = 8, patch = 16, delete_ = 32, options = 64 };
std::optional<Method> parse_method(std::string_view name);

namespace detail {
class RouteDelegate;
}  // namespace detail

// The connection's delegate for a request is a detail::RouteDelegate that owns the handler (Tornado's
// _HandlerDelegate); a handler is no delegate itself, so finish() keeps Tornado's meaning (finish the response).
class RequestHandler {
 public:
  RequestHandler();  // out of line, as the destructor: CookieState is defined in native/cookie_state.hpp only
  virtual ~RequestHandler();
  RequestHandler(const RequestHandler&) = delete;
  RequestHandler& operator=(const RequestHandler&) = delete;

  // Hooks, as in Tornado. prepare() runs after the whole body arrived, or, for a handler that streams its body,
  // as soon as the head has (before the first data_received()).
  virtual void prepare() {}
  virtual void on_finish() {}
  // The client left before the response finished; the handler is destroyed right after.
  virtual void on_connection_close() {}
  // Writes the body of an error page; override for custom error pages. The default is Tornado's HTML page, or
  // {"code": 404, "message": "Not Found"} when the Accept header prefers application/json; with the application's
  // debug setting, either also shows the exception (error_exception()), never without it.
  virtual void write_error(int status);

  // The request.
  const RequestHead& request() const { return *head_; }
  std::string_view method() const { return head_->method; }
  std::string_view path() const { return head_->path(); }
  // The request body; empty for a handler that streams its body (data_received) and for multipart forms (files()).
  const std::string& body() const { return body_; }
  std::optional<std::string_view> header(std::string_view name) const { return head_->headers.get(name); }
  const std::vector<std::string>& path_args() const { return path_args_; }
  // Arguments (request_handler_arguments.cpp), as Tornado's: from the query and the form body (urlencoded); the last
  // value wins; a missing one without a default is a 400 naming it.
  std::string get_argument(std::string_view name);
  std::string get_argument(std::string_view name, std::string_view default_value);
  std::vector<std::string> get_arguments(std::string_view name);
  // Typed: T is std::string, bool (1/0, true/false, yes/no, on/off), int, long, long long (or unsigned), float or
  // double; a value that is not one whole T (or out of its range) is a 400 naming the argument.
  template <typename T>
  T get_argument(std::string_view name);
  template <typename T>
  T get_argument(std::string_view name, std::type_identity_t<T> default_value);
  std::optional<std::string> get_query_argument(std::string_view name);
  std::vector<std::string> get_query_arguments(std::string_view name);
  std::optional<std::string> get_body_argument(std::string_view name);
  std::vector<std::string> get_body_arguments(std::string_view name);
  // The body parsed as JSON; a body that is not JSON is a 400.
  boost::json::value json_body() const;
  // The files of a multipart/form-data body (its fields are body arguments), Tornado's request.files; such a body is
  // parsed as it arrives, so body() stays empty, and a malformed one is a 400 before prepare().
  const UploadedFiles& files() const;

  // Cookies, as Tornado's: the request's, read leniently (parse_cookie_header) from its Cookie headers.
  const Cookies& cookies();
  std::optional<std::string> get_cookie(std::string_view name);
  std::string get_cookie(std::string_view name, std::string_view default_value);
  // Sent with the response's headers (an error page's too); setting a name again replaces it. An illegal name, value
  // or attribute throws std::invalid_argument (format_set_cookie), so it answers 500 and never reaches the headers;
  // once the headers are sent (flush()), std::logic_error.
  void set_cookie(std::string_view name, std::string_view value, const CookieOptions& options = {});
  // Expires the cookie at once; pass the path and domain it was set with.
  void clear_cookie(std::string_view name, std::string_view path = "/", std::string_view domain = {});
  // Signed cookies, with the application's cookie_secret (std::logic_error without one), in Tornado's version-2
  // format (signed_value.hpp); the value may hold any bytes. expires_days nullopt: a browser-session cookie.
  void set_signed_cookie(std::string_view name, std::string_view value, std::optional<double> expires_days = 30,
                         CookieOptions options = {});
  // The value if the cookie is there, signed for this name with the secret, and not older than max_age_days.
  std::optional<std::string> get_signed_cookie(std::string_view name, double max_age_days = 31);

  // XSRF protection, as Tornado's: the masked token for this response's forms (the same all through a request; a
  // fresh mask each request), setting the _xsrf cookie when the request had none; the hidden field that carries it.
  const std::string& xsrf_token();
  std::string xsrf_form_html();
  // With the xsrf_cookies setting, runs before prepare() for every method but GET, HEAD and OPTIONS: a 403 unless the
  // _xsrf argument (query or form body), else the X-XSRFToken or X-CSRFToken header, carries the _xsrf cookie's
  // token. Override it to opt a handler out (an API that authenticates each request otherwise).
  virtual void check_xsrf_cookie();

  // The response.
  void set_status(int status);
  int get_status() const { return status_; }
  void set_header(std::string_view name, std::string_view value);
  void add_header(std::string_view name, std::string_view value);
  void clear_header(std::string_view name);
  void write(std::string_view chunk);
  void write(const char* chunk) { write(std::string_view(chunk)); }
  void write(const std::string& chunk) { write(std::string_view(chunk)); }
  // Writes JSON and sets Content-Type: application/json.
  void write(const boost::json::value& json);
  // Finishes the response (with a last chunk); handlers that do not call it are finished for them.
  void finish(std::string_view chunk = {});
  // Finishes the response with length bytes of the open file fd from offset after what was written (Content-Length
  // set here; the body goes out with sendfile(2)). Takes fd; on_finish() runs once the file has been sent.
  void finish_with_file(int fd, std::uint64_t offset, std::uint64_t length);
  // Sends the headers and what was written so far; co_await it to wait until the client took it.
  struct FlushAwaiter {
    RequestHandler* handler;
    bool pending;  // bytes were written: awaiting waits for the connection to drain
    bool await_ready() const noexcept;
    void await_suspend(std::coroutine_handle<> h);
    void await_resume() const noexcept {}
  };
  FlushAwaiter flush();
  void redirect(std::string_view url, bool permanent = false);
  // Tornado's static_url: the application's static_url(path).
  std::string static_url(std::string_view path) const;
  // Templates (request_handler_templates.cpp), from the application's template_path: the template `name` rendered with
  // context (Templates::render: {{x}} HTML-escaped, {{{x}}} raw, {{> partial.html}}), with two helpers beside the
  // context: {{{xsrf_form_html}}} and {{#static_url}}site.css{{/static_url}}. render() also finishes the response, as
  // Tornado's does. A missing or malformed template throws TemplateError: a 500, logged with what is wrong.
  std::string render_string(std::string_view name);
  std::string render_string(std::string_view name, const boost::json::object& context);
  void render(std::string_view name);
  void render(std::string_view name, const boost::json::object& context);
  // Answers with status and the error page from write_error(); a reason replaces the standard
  // phrase in the page (the status line keeps the standard one).
  void send_error(int status, std::string_view reason = {});
  // The reason phrase of the error being sent (HTTPError's reason, or the standard one), for write_error().
  const std::string& error_reason() const;
  // The exception being answered, for write_error() (Tornado's exc_info); null when send_error() was called directly.
  std::exception_ptr error_exception() const { return error_exception_; }
  bool finished() const { return finished_; }

  // Waiting without blocking the loop: co_await sleep(100ms).
  struct SleepAwaiter {
    Loop& loop;
    std::chrono::steady_clock::duration delay;
    TimerHandle timer;
    bool await_ready() const noexcept { return delay <= std::chrono::steady_clock::duration::zero(); }
    void await_suspend(std::coroutine_handle<> h);
    void await_resume() const noexcept {}
  };
  SleepAwaiter sleep(std::chrono::steady_clock::duration delay) { return {loop(), delay, {}}; }
  Loop& loop() { return *loop_; }
  const Application& application() const { return *app_; }

  // Tornado's set_max_body_size: this request's body limit, over the server's and the route's; a larger body is a 413
  // that says the limit. Takes effect in prepare() of a handler that streams its body (the only code that runs
  // before the body is read).
  void set_max_body_size(std::uint64_t bytes) { max_body_size_ = bytes; }

 protected:
  // Generated for each handler class by Application::add<H>() (or a lambda route): calls the method H declares.
  virtual Task<> invoke(Method method) = 0;
  // Cancels the Asio operation (started with use_task, native/asio.hpp) the method's coroutine waits on, if any.
  void cancel_pending_operation() { task_.cancel(); }
  // For a protocol that takes the connection over (WebSocketHandler): answers 101 with the headers set so far and
  // gives the stream to the protocol `next` makes, with this handler (see ResponseWriter::switch_protocols).
  void switch_protocols(ResponseWriter::ProtocolFactory next);

 private:
  friend class detail::RouteDelegate;

  // Generated by Application::add<H>(): H's initialize(route arguments), and, for a handler that streams its body,
  // H's data_received(chunk).
  virtual void initialize_route() {}
  virtual bool streams_body() const { return false; }
  virtual Task<> stream_chunk(std::string_view) { return {}; }

  // The request's life, driven by detail::RouteDelegate.
  void bind(const Application& app, const RequestHead& head, ResponseWriter& writer, std::vector<std::string> args,
            unsigned allowed_methods);
  void buffer_body(std::string_view chunk);  // a buffered body: in body(), or through the multipart parser
  void begin();  // initialize_route(), the 405 and XSRF checks, prepare()
  void run_method();
  bool multipart_body() const;       // by its Content-Type
  MultipartForm* multipart_form();  // the body's parser if it is multipart/form-data with a boundary, made on first use
  void finish_body();  // a 400 for a malformed multipart body
  void after_method();
  void handle_exception(std::exception_ptr error);
  void send_head();
  void transform_output(bool finishing);  // compress_response, on buffer_ before it goes out
  HeaderList& headers();
  void parse_arguments();
  const std::string* argument_text(std::string_view name);  // get_argument's: the body's last value, else the query's
  struct CookieState;  // the request's cookies, those to send, the XSRF token: made on first use
  CookieState& cookie_state();
  void add_cookie_headers();

  // Ordered so that no padding comes between members: a WebSocket keeps its handler for the connection's life.
  const Application* app_ = nullptr;
  const RequestHead* head_ = nullptr;
  ResponseWriter* writer_ = nullptr;  // none once the connection switched protocols
  Loop* loop_ = nullptr;
  std::vector<std::string> path_args_;
  unsigned allowed_methods_ = 0;
  int status_ = 200;
  std::optional<std::uint64_t> max_body_size_;
  std::string body_;
  std::unique_ptr<HeaderList> headers_;
  std::string buffer_;
  std::unique_ptr<std::string> error_reason_;  // only once an error is sent
  std::exception_ptr error_exception_;
  Arguments query_arguments_;
  Arguments body_arguments_;
  bool arguments_parsed_ = false;
  bool body_type_checked_ = false;
  bool headers_written_ = false;
  bool finished_ = false;
  std::unique_ptr<MultipartForm> multipart_;
  std::unique_ptr<CookieState> cookie_state_;
  std::unique_ptr<ResponseCompressor> compressor_;  // while a compressed response is under way
  Task<> task_;
};

}  // namespace updraft
