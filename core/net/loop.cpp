// Loop: an io_context per thread, with post(), timers and the cached Date header.
#include "core/net/loop.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "core/net/loop_impl.hpp"

namespace updraft {

struct TimerHandle::State {
  explicit State(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  bool cancelled = false;
};

TimerHandle::TimerHandle(std::shared_ptr<State> state) : state_(std::move(state)) {}
TimerHandle::TimerHandle(TimerHandle&&) noexcept = default;
TimerHandle& TimerHandle::operator=(TimerHandle&& other) noexcept {
  if (this != &other) {
    cancel();
    state_ = std::move(other.state_);
  }
  return *this;
}
TimerHandle::~TimerHandle() { cancel(); }

void TimerHandle::cancel() {
  if (state_) {
    state_->cancelled = true;
    state_->timer.cancel();
    state_.reset();
  }
}

Loop::Loop() : impl_(std::make_unique<Impl>()), thread_id_(std::this_thread::get_id()) { refresh_date(); }
Loop::~Loop() = default;

void Loop::post(std::function<void()> fn) { boost::asio::post(impl_->io, std::move(fn)); }

TimerHandle Loop::call_later(std::chrono::steady_clock::duration delay, std::function<void()> fn) {
  auto state = std::make_shared<TimerHandle::State>(impl_->io);
  state->timer.expires_after(delay);
  state->timer.async_wait([state, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (!ec && !state->cancelled) fn();
  });
  return TimerHandle(std::move(state));
}

void Loop::run() {
  thread_id_ = std::this_thread::get_id();
  auto guard = boost::asio::make_work_guard(impl_->io);
  impl_->io.run();
}

void Loop::stop() { impl_->io.stop(); }

void Loop::assert_in_loop_thread(const char* what) const {
#if !defined(NDEBUG) || defined(UPDRAFT_THREAD_CHECKS)
  if (!in_loop_thread()) {
    std::fprintf(stderr, "updraft: %s called off its loop thread; use Loop::post()\n", what);
    std::abort();
  }
#else
  (void)what;
#endif
}

void Loop::refresh_date() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  date_len_ = std::strftime(date_line_, sizeof date_line_, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
}

}  // namespace updraft
