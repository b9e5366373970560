// Application: route lookup and handler construction per request.
#include "native/application.hpp"

#include <spdlog/spdlog.h>

#include "core/net/metrics.hpp"
#include "native/static_file_handler.hpp"
#include "native/templates.hpp"

namespace updraft {

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

// Wraps a handler to report a per-route body limit to the connection.
class LimitedDelegate final : public RequestDelegate {
 public:
  LimitedDelegate(std::unique_ptr<RequestHandler> inner, std::uint64_t limit)
      : inner_(std::move(inner)), limit_(limit) {}
  std::optional<std::uint64_t> max_body_size() const override { return limit_; }
  void headers_received() override { inner_->headers_received(); }
  void data_received(std::string_view chunk) override { static_cast<RequestDelegate&>(*inner_).data_received(chunk); }
  void finish() override { static_cast<RequestDelegate&>(*inner_).finish(); }
  void on_connection_close() override { inner_->on_connection_close(); }

 private:
  std::unique_ptr<RequestHandler> inner_;
  std::uint64_t limit_;
};
}  // namespace

Application::Application() {
  constexpr unsigned all = unsigned(Method::get) | unsigned(Method::head) | unsigned(Method::post) |
                           unsigned(Method::put) | unsigned(Method::patch) | unsigned(Method::delete_) |
                           unsigned(Method::options);
  fallback_ = Target{[] { return std::make_unique<detail::Bound<NotFoundHandler>>(); }, all, {}, &route_latency("")};
}

Application::~Application() = default;

Application& Application::add_route(std::string_view pattern, RouteOptions options, Factory make, unsigned methods) {
  router_.add(pattern, options.name);
  targets_.push_back(Target{std::move(make), methods, options.max_body_size, &route_latency(pattern)});
  return *this;
}

Application& Application::add_static(std::string url_prefix, const std::string& directory) {
  const StaticRoot& root = *static_roots_.emplace_back(std::make_unique<StaticRoot>(directory, std::move(url_prefix)));
  using Handler = detail::Bound<StaticFileHandler>;
  return add_route(root.route_pattern(), {}, [&root] {
    auto handler = std::make_unique<Handler>();
    handler->serve_from(root);
    return handler;
  }, Handler::methods);
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
    StaticFile file = static_path_->open(std::string(path));
    auto hash = static_path_->hashes().find(path, file.stat());
    if (!hash) hash = static_path_->hashes().compute(path, file.fd(), file.stat());
    return url.append("?v=").append(hash->data(), hash->size());
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
  auto handler = target.make();
  handler->attach(*this, head, writer, match ? std::move(match->args) : std::vector<std::string>{}, target.methods);
  std::unique_ptr<RequestDelegate> delegate;
  if (target.max_body_size) delegate = std::make_unique<LimitedDelegate>(std::move(handler), *target.max_body_size);
  else delegate = std::move(handler);
  delegate->set_latency_histogram(target.latency);
  return delegate;
}

}  // namespace updraft
