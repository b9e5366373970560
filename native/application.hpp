// Application: routes requests to RequestHandler classes (Tornado's tornado.web.Application).
//
//   struct Hello : RequestHandler { void get() { write("Hello, World!"); } };
//   Application app;
//   app.add<Hello>("/");
//   app.add<User>("/user/([0-9]+)", {.name = "user"});
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/http/delegate.hpp"
#include "core/websocket/topics.hpp"
#include "core/websocket/websocket_connection.hpp"
#include "native/cookies.hpp"
#include "native/request_handler.hpp"
#include "native/router.hpp"
#include "native/signed_value.hpp"

namespace updraft {

class StaticRoot;

// Default member initializers keep {.name = "user"} free of -Wmissing-field-initializers.
struct RouteOptions {
  std::string name{};                            // for reverse_url
  std::optional<std::uint64_t> max_body_size{};  // overrides the server's limit for this route
};

namespace detail {
template <class F>
Task<> call_method(F&& f) {
  if constexpr (std::is_void_v<decltype(f())>) {
    f();
    return {};
  } else {
    return f();
  }
}

// Implements RequestHandler::invoke for H from the methods H declares.
template <class H>
class Bound final : public H {
 public:
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
};
}  // namespace detail

class Application : public HandlerFactory {
 public:
  using Factory = std::function<std::unique_ptr<RequestHandler>()>;

  Application();
  ~Application() override;

  template <class H>
  Application& add(std::string_view pattern, RouteOptions options = {}) {
    static_assert(std::is_base_of_v<RequestHandler, H>, "route targets derive from RequestHandler");
    return add_route(pattern, std::move(options), [] { return std::make_unique<detail::Bound<H>>(); },
                     detail::Bound<H>::methods);
  }
  // A handler for paths no route matches (default: 404).
  template <class H>
  Application& set_default_handler() {
    fallback_ = Target{[] { return std::make_unique<detail::Bound<H>>(); }, detail::Bound<H>::methods, {}};
    return *this;
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
  Application& add_route(std::string_view pattern, RouteOptions options, Factory make, unsigned methods);

  Router router_;
  std::vector<Target> targets_;
  std::optional<Target> fallback_;
  HandlerFactory* fallback_factory_ = nullptr;
  websocket::ConnectionOptions websocket_options_;
  std::optional<CookieSecret> cookie_secret_;
  bool xsrf_cookies_ = false;
  CookieOptions xsrf_cookie_options_;
  std::vector<std::unique_ptr<StaticRoot>> static_roots_;
  const StaticRoot* static_path_ = nullptr;  // set_static_path's, for static_url()
  mutable websocket::Topics topics_;  // thread-safe; not part of the app's configuration
};

}  // namespace updraft
