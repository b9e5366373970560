// Application: route lookup and handler construction per request.
#include "native/application.hpp"

#include "core/net/metrics.hpp"

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
