// Application: routes requests to RequestHandler classes (Tornado's tornado.web.Application).
//
//   struct Hello : RequestHandler { void get() { write("Hello, World!"); } };
//   Application app;
//   app.add<Hello>("/");
//   app.add<User>("/user/([0-9]+)", {.name = "user"});
//   app.add<Counter>("/count", &counter);  // Counter::initialize(std::atomic<long>* counter)
//   app.get("/ping", [](RequestHandler& h) { h.write("pong"); });
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/http/delegate.hpp"
#include "core/websocket/topics.hpp"
#include "core/websocket/websocket_connection.hpp"
#include "native/cookies.hpp"
#include "native/request_handler.hpp"
#include "native/response_compressor.hpp"
#include "native/route_delegate.hpp"
#include "native/router.hpp"
#include "native/signed_value.hpp"

namespace updraft {

class StaticRoot;
class Templates;

// Default member initializers keep {.name = "user"} free of -Wmissing-field-initializers.
struct RouteOptions {
  std::string name{};                            // for reverse_url
  std::optional<std::uint64_t> max_body_size{};  // overrides the server's limit for this route
};

namespace detail {
struct FunctionRoute;  // a lambda route's functions, by method (application.cpp)

template <class F>
Task<> call_method(F&& f) {
  if constexpr (std::is_void_v<decltype(f())>) {
    f();
    return {};
  } else {
    return f();
  }
}

// Implements RequestHandler's generated parts for H from what H declares: invoke() for its methods, initialize() with
// the route's arguments, and data_received() when it streams its body.
template <class H, class... Args>
class Bound final : public H {
 public:
  // route_args belongs to the route, which outlives its requests.
  explicit Bound(const std::tuple<Args...>& route_args) : route_args_(route_args) {}

  static constexpr bool has_get = requires(H& h) { h.get(); };
  static constexpr bool has_head = requires(H& h) { h.head(); };
  static constexpr bool has_post = requires(H& h) { h.post(); };
  static constexpr bool has_put = requires(H& h) { h.put(); };
  static constexpr bool has_patch = requires(H& h) { h.patch(); };
  static constexpr bool has_delete = requires(H& h) { h.delete_(); };
  static constexpr bool has_options = requires(H& h) { h.options(); };
  static constexpr unsigned methods =
      (has_get ? unsigned(Method::get) | unsigned(Method::head) : 0u) | (has_head ? unsigned(Method::head) : 0u) |
      (has_post ? unsigned(Method::post) : 0u) | (has_put ? unsigned(Method::put) : 0u) |
      (has_patch ? unsigned(Method::patch) : 0u) | (has_delete ? unsigned(Method::delete_) : 0u) |
      (has_options ? unsigned(Method::options) : 0u);

  static constexpr bool takes_route_args = requires(H& h, const Args&... args) { h.initialize(args...); };
  static constexpr bool declares_initialize = requires { &H::initialize; };  // one initialize, not an overload set
  static_assert(takes_route_args || (sizeof...(Args) == 0 && !declares_initialize),
                "add<H>(pattern, args...): H must declare initialize() taking the route's arguments (as const&)");
  static constexpr bool streams = requires { requires H::stream_request_body; };
  static_assert(!streams || requires(H& h, std::string_view chunk) { h.data_received(chunk); },
                "a handler with stream_request_body = true declares data_received(std::string_view), void or Task<>");

  // The client hung up before the response finished: what the method waits on is cancelled first (the handler and
  // its coroutine are destroyed right after), then H's hook runs.
  void on_connection_close() override {
    this->cancel_pending_operation();
    H::on_connection_close();
  }

 protected:
  Task<> invoke(Method m) override {
    switch (m) {
      case Method::get:
        if constexpr (has_get) return call_method([this] { return this->get(); });
        break;
      case Method::head:
        if constexpr (has_head) return call_method([this] { return this->head(); });
        else if constexpr (has_get) return call_method([this] { return this->get(); });
        break;
      case Method::post:
        if constexpr (has_post) return call_method([this] { return this->post(); });
        break;
      case Method::put:
        if constexpr (has_put) return call_method([this] { return this->put(); });
        break;
      case Method::patch:
        if constexpr (has_patch) return call_method([this] { return this->patch(); });
        break;
      case Method::delete_:
        if constexpr (has_delete) return call_method([this] { return this->delete_(); });
        break;
      case Method::options:
        if constexpr (has_options) return call_method([this] { return this->options(); });
        break;
    }
    throw HTTPError(405);
  }

 private:
  void initialize_route() override {
    if constexpr (takes_route_args)
      std::apply([this](const Args&... args) { this->initialize(args...); }, route_args_);
  }
  bool streams_body() const override { return streams; }
  Task<> stream_chunk(std::string_view chunk) override {
    if constexpr (streams) return call_method([this, chunk] { return this->data_received(chunk); });
    else return {};
  }

  const std::tuple<Args...>& route_args_;
};
}  // namespace detail

class Application : public HandlerFactory {
 public:
  using Factory = std::function<std::unique_ptr<detail::RouteDelegate>()>;  // a new handler in its delegate
  using RouteFunction = std::function<Task<>(RequestHandler&)>;  // a lambda route's, for one method

  Application();
  ~Application() override;

  // Routes pattern to H: each request gets a new H, whose initialize(args...) (Tornado's initialize(**kwargs)) gets
  // the route's arguments before prepare(). They are stored once in the route and passed as const lvalues to every
  // request, on every loop thread: pass shared state as a pointer to something thread-safe.
  template <class H, class... Args>
    requires(!(std::is_same_v<std::remove_cvref_t<Args>, RouteOptions> || ...))
  Application& add(std::string_view pattern, Args&&... args) {
    return add<H>(pattern, RouteOptions{}, std::forward<Args>(args)...);
  }
  // With the route's options first: they belong to the route, the rest to the handler. (Not a .name() on a route
  // object: add() returns the Application so that routes chain, and options name all a route has at once.)
  template <class H, class... Args>
  Application& add(std::string_view pattern, RouteOptions options, Args&&... args) {
    return add_route(pattern, std::move(options), handler_factory<H>(std::forward<Args>(args)...),
                     detail::Bound<H, std::decay_t<Args>...>::methods);
  }
  // A handler for paths no route matches (default: 404).
  template <class H, class... Args>
  Application& set_default_handler(Args&&... args) {
    fallback_ = Target{handler_factory<H>(std::forward<Args>(args)...),
                       detail::Bound<H, std::decay_t<Args>...>::methods, {}};
    return *this;
  }

  // Small routes without a class (uWebSockets' style): fn(RequestHandler&) returns void or Task and answers as a
  // handler's method would. Calls for several methods on one pattern make one route, whose 405 lists them in Allow;
  // get() answers HEAD too. fn runs on every loop thread, so it is called as const (no mutable state).
  //   app.get("/ping", [](RequestHandler& h) { h.write("pong"); });
  template <class F>
  Application& get(std::string_view pattern, F&& fn) {
    return add_function(Method::get, pattern, std::forward<F>(fn));
  }
  template <class F>
  Application& head(std::string_view pattern, F&& fn) {
    return add_function(Method::head, pattern, std::forward<F>(fn));
  }
  template <class F>
  Application& post(std::string_view pattern, F&& fn) {
    return add_function(Method::post, pattern, std::forward<F>(fn));
  }
  template <class F>
  Application& put(std::string_view pattern, F&& fn) {
    return add_function(Method::put, pattern, std::forward<F>(fn));
  }
  template <class F>
  Application& patch(std::string_view pattern, F&& fn) {
    return add_function(Method::patch, pattern, std::forward<F>(fn));
  }
  template <class F>
  Application& delete_(std::string_view pattern, F&& fn) {
    return add_function(Method::delete_, pattern, std::forward<F>(fn));
  }
  template <class F>
  Application& options(std::string_view pattern, F&& fn) {
    return add_function(Method::options, pattern, std::forward<F>(fn));
  }

  // Requests no route matches go to factory (e.g. a WsgiContainer): Tornado's FallbackHandler.
  Application& set_fallback(HandlerFactory& factory) {
    fallback_factory_ = &factory;
    return *this;
  }

  // Tornado's websocket_* settings for every WebSocketHandler of the app (websocket_max_message_size in
  // frames.max_message_size, websocket_ping_interval, websocket_ping_timeout; also the slow-peer limit and policy).
  Application& set_websocket_options(const websocket::ConnectionOptions& options) {
    websocket_options_ = options;
    return *this;
  }
  const websocket::ConnectionOptions& websocket_options() const { return websocket_options_; }

  // Tornado's cookie_secret setting, the key of signed cookies: one secret, or secrets by key version with the
  // key_version that signs (rotation: values signed with the other versions in the map still verify).
  Application& set_cookie_secret(std::string secret) {
    cookie_secret_.emplace(std::move(secret));
    return *this;
  }
  Application& set_cookie_secret(std::map<int, std::string> secrets, int key_version) {
    cookie_secret_.emplace(std::move(secrets), key_version);
    return *this;
  }
  const std::optional<CookieSecret>& cookie_secret() const { return cookie_secret_; }

  // Tornado's xsrf_cookies setting (and xsrf_cookie_kwargs, the options of the _xsrf cookie): every request but GET,
  // HEAD and OPTIONS must carry the _xsrf cookie's token (RequestHandler::check_xsrf_cookie).
  Application& set_xsrf_cookies(bool enabled, CookieOptions cookie_options = {}) {
    xsrf_cookies_ = enabled;
    xsrf_cookie_options_ = std::move(cookie_options);
    return *this;
  }
  bool xsrf_cookies() const { return xsrf_cookies_; }
  const CookieOptions& xsrf_cookie_options() const { return xsrf_cookie_options_; }

  // Tornado's compress_response setting: responses of compressible types (text/*, JSON, JavaScript, XML, SVG...) of
  // at least options.min_length bytes go out gzip-encoded, or brotli-encoded when the client takes br at least as
  // gladly, if its Accept-Encoding accepts either (response_compressor.hpp); streamed responses too, flush by flush.
  // StaticFileHandler keeps a compressed copy of each version of its compressible files. Bad levels throw
  // std::invalid_argument (check_compression_options).
  Application& set_compress_response(bool enabled, CompressionOptions options = {}) {
    check_compression_options(options);
    if (enabled) compress_response_.emplace(options);
    else compress_response_.reset();
    return *this;
  }
  const std::optional<CompressionOptions>& compress_response() const { return compress_response_; }

  // Sends message to every WebSocket subscribed to topic, on every loop; from any thread (and, with a broker set on
  // topics(), to every process).
  void publish(std::string_view topic, std::string_view message, bool binary = false) const {
    topics_.publish(topic, message, binary);
  }
  websocket::Topics& topics() const { return topics_; }

  // Tornado's static_path and static_url_prefix settings: the files under directory are served at url_prefix by
  // StaticFileHandler, and static_url() names them. Throws as StaticRoot does (a missing directory).
  Application& set_static_path(const std::string& directory, std::string url_prefix = "/static/");
  // One more directory served by StaticFileHandler, at url_prefix (Tornado's extra StaticFileHandler routes, uWSGI's
  // --static-map).
  Application& add_static(std::string url_prefix, const std::string& directory);
  // Tornado's static_url: static_url_prefix + path + "?v=" + the file's content hash (computed on first use, then
  // kept); without the version when the file cannot be read.
  std::string static_url(std::string_view path) const;

  // Tornado's template_path setting: RequestHandler::render() reads templates from directory (templates.hpp).
  Application& set_template_path(std::string directory);
  // The templates of template_path; std::logic_error without one.
  const Templates& templates() const;

  // Tornado's debug setting (only this part of it): error pages show the exception that caused them.
  Application& set_debug(bool debug) {
    debug_ = debug;
    return *this;
  }
  bool debug() const { return debug_; }

  std::string reverse_url(std::string_view name, std::initializer_list<std::string_view> args = {}) const {
    return router_.reverse(name, args);
  }

  std::unique_ptr<RequestDelegate> start_request(const RequestHead& head, ResponseWriter& writer) override;

 private:
  struct Target {
    Factory make;
    unsigned methods;
    std::optional<std::uint64_t> max_body_size;
    LatencyHistogram* latency = nullptr;  // the route's series in /metrics
  };

  template <class H, class... Args>
  static Factory handler_factory(Args&&... args) {
    static_assert(std::is_base_of_v<RequestHandler, H>, "route targets derive from RequestHandler");
    using Handler = detail::Bound<H, std::decay_t<Args>...>;
    auto route_args = std::make_shared<const std::tuple<std::decay_t<Args>...>>(std::forward<Args>(args)...);
    return [route_args] { return std::make_unique<detail::HandlerOwner<Handler>>(*route_args); };
  }
  template <class F>
  Application& add_function(Method method, std::string_view pattern, F&& fn) {
    static_assert(std::is_invocable_v<const std::decay_t<F>&, RequestHandler&>,
                  "a route function is called as fn(RequestHandler&) (and as const)");
    return add_route_function(method, pattern, [fn = std::forward<F>(fn)](RequestHandler& handler) {
      return detail::call_method([&] { return fn(handler); });
    });
  }
  Application& add_route_function(Method method, std::string_view pattern, RouteFunction fn);
  Application& add_route(std::string_view pattern, RouteOptions options, Factory make, unsigned methods);

  Router router_;
  std::vector<Target> targets_;
  std::unordered_map<std::string, std::unique_ptr<detail::FunctionRoute>> function_routes_;  // lambda routes
  std::optional<Target> fallback_;
  HandlerFactory* fallback_factory_ = nullptr;
  websocket::ConnectionOptions websocket_options_;
  std::optional<CookieSecret> cookie_secret_;
  bool xsrf_cookies_ = false;
  CookieOptions xsrf_cookie_options_;
  std::optional<CompressionOptions> compress_response_;
  std::vector<std::unique_ptr<StaticRoot>> static_roots_;
  const StaticRoot* static_path_ = nullptr;  // set_static_path's, for static_url()
  std::unique_ptr<Templates> templates_;
  bool debug_ = false;
  mutable websocket::Topics topics_;  // thread-safe; not part of the app's configuration
};

}  // namespace updraft
