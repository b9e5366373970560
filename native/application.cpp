// Application: route lookup and handler construction per request.
#include "native/application.hpp"

#include <spdlog/spdlog.h>

#include <bit>

#include "core/net/metrics.hpp"
#include "native/static_file_handler.hpp"
#include "native/templates.hpp"

namespace updraft {

// A lambda route's functions, by the bit number of their Method.
struct detail::FunctionRoute {
  static std::size_t slot(Method method) { return static_cast<std::size_t>(std::countr_zero(unsigned(method))); }
  std::size_t target = 0;                         // its index in Application::targets_
  Application::RouteFunction by_method[7] = {};  // get, head, post, put, patch, delete_, options
};

namespace {
LatencyHistogram& route_latency(std::string_view route) {
  return Metrics::instance().histogram("updraft_route_duration_seconds",
                                       "Native requests' time from their head to their response's end, by route.",
                                       "route", route);
}

// Answers 404 for every method (Tornado's ErrorHandler).
struct NotFoundHandler : RequestHandler {
  void prepare() override { throw HTTPError(404); }
  void get() {}
};

// A lambda route's handler: runs the function added for the request's method.
class FunctionHandler final : public RequestHandler {
 public:
  explicit FunctionHandler(const detail::FunctionRoute& route) : route_(route) {}

 protected:
  Task<> invoke(Method method) override;

 private:
  const detail::FunctionRoute& route_;
};
}  // namespace

Application::Application() {
  constexpr unsigned all = unsigned(Method::get) | unsigned(Method::head) | unsigned(Method::post) |
                           unsigned(Method::put) | unsigned(Method::patch) | unsigned(Method::delete_) |
                           unsigned(Method::options);
  fallback_ = Target{handler_factory<NotFoundHandler>(), all, {}, &route_latency("")};
}

Task<> FunctionHandler::invoke(Method method) {
  const auto& functions = route_.by_method;
  const auto& function = functions[detail::FunctionRoute::slot(method)];
  if (function) return function(*this);
  if (method == Method::head) return functions[detail::FunctionRoute::slot(Method::get)](*this);
  throw HTTPError(405);
}

Application::~Application() = default;

Application& Application::add_route(std::string_view pattern, RouteOptions options, Factory make, unsigned methods) {
  router_.add(pattern, options.name);
  targets_.push_back(Target{std::move(make), methods, options.max_body_size, &route_latency(pattern)});
  return *this;
}

Application& Application::add_route_function(Method method, std::string_view pattern, RouteFunction fn) {
  auto [found, added] = function_routes_.try_emplace(std::string(pattern));
  if (added) {
    found->second = std::make_unique<detail::FunctionRoute>();
    found->second->target = targets_.size();
    try {
      add_route(pattern, {}, [&route = *found->second] {
        return std::make_unique<detail::HandlerOwner<FunctionHandler>>(route);
      }, 0);
    } catch (...) {
      function_routes_.erase(found);
      throw;
    }
  }
  detail::FunctionRoute& route = *found->second;
  RouteFunction& slot = route.by_method[detail::FunctionRoute::slot(method)];
  if (slot) throw std::invalid_argument("route '" + std::string(pattern) + "' has a function for that method already");
  slot = std::move(fn);
  targets_[route.target].methods |= unsigned(method) | (method == Method::get ? unsigned(Method::head) : 0u);
  return *this;
}

Application& Application::add_static(std::string url_prefix, const std::string& directory) {
  const StaticRoot& root = *static_roots_.emplace_back(std::make_unique<StaticRoot>(directory, std::move(url_prefix)));
  return add<StaticFileHandler>(root.route_pattern(), &root);
}

Application& Application::set_static_path(const std::string& directory, std::string url_prefix) {
  if (static_path_) throw std::logic_error("static_path is already set");
  add_static(std::move(url_prefix), directory);
  static_path_ = static_roots_.back().get();
  return *this;
}

std::string Application::static_url(std::string_view path) const {
  if (!static_path_) throw std::logic_error("static_url() without a static_path");
  std::string url = static_path_->url_prefix() + std::string(path);
  try {
    auto known = static_path_->known(std::string(path));
    if (!known) {
      StaticFile file = static_path_->open(std::string(path));
      known = static_path_->hashes().find(path, ContentHashes::version_of(file.stat()));
      if (!known) known = static_path_->hashes().compute(path, file.fd(), file.stat());
    }
    return url.append("?v=").append(known->hash.data(), known->hash.size());
  } catch (const std::exception& e) {
    spdlog::error("static_url({}): {}", path, e.what());
    return url;
  }
}

Application& Application::set_template_path(std::string directory) {
  templates_ = std::make_unique<Templates>(std::move(directory));
  return *this;
}

const Templates& Application::templates() const {
  if (!templates_) throw std::logic_error("render() without a template_path");
  return *templates_;
}

std::unique_ptr<RequestDelegate> Application::start_request(const RequestHead& head, ResponseWriter& writer) {
  auto match = router_.match(head.path());
  if (!match && fallback_factory_) return fallback_factory_->start_request(head, writer);
  const Target& target = match ? targets_[match->route] : *fallback_;
  auto delegate = target.make();
  delegate->start(*this, head, writer, match ? std::move(match->args) : std::vector<std::string>{}, target.methods,
                  target.max_body_size);
  delegate->set_latency_histogram(target.latency);
  return delegate;
}

}  // namespace updraft
