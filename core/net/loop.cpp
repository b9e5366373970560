// Loop: an io_context per thread, with post(), timers and the cached Date header.
#include "core/net/loop.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <utility>
#include <vector>

#include "core/net/loop_impl.hpp"
#include "core/net/loop_inbox.hpp"

namespace updraft {

// The loop's timers: a heap of deadlines, the callbacks by id, and one Asio timer armed for the earliest. A cancelled
// callback leaves its heap entry behind until it comes up or the heap is rebuilt.
struct TimerHandle::Queue {
  using Clock = std::chrono::steady_clock;
  struct Entry {
    Clock::time_point when;
    std::uint64_t id;
    bool operator>(const Entry& other) const { return when > other.when; }
  };

  explicit Queue(boost::asio::io_context& io) : timer(io) {}

  std::uint64_t add(Clock::time_point when, std::function<void()> fn) {
    std::uint64_t id = next_id++;
    callbacks.emplace(id, std::move(fn));
    heap.push_back({when, id});
    std::push_heap(heap.begin(), heap.end(), std::greater<>());
    if (heap.size() > 2 * callbacks.size() + 64) rebuild();
    if (when < armed) arm(when);
    return id;
  }

  void cancel(std::uint64_t id) { callbacks.erase(id); }

  // Drops the entries of cancelled callbacks.
  void rebuild() {
    std::erase_if(heap, [this](const Entry& e) { return !callbacks.contains(e.id); });
    std::make_heap(heap.begin(), heap.end(), std::greater<>());
  }

  void arm(Clock::time_point when) {
    armed = when;
    timer.expires_at(when);
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec != boost::asio::error::operation_aborted) fire();
    });
  }

  void fire() {
    armed = Clock::time_point::max();
    auto now = Clock::now();
    while (!heap.empty() && heap.front().when <= now) {
      std::uint64_t id = heap.front().id;
      std::pop_heap(heap.begin(), heap.end(), std::greater<>());
      heap.pop_back();
      auto it = callbacks.find(id);
      if (it == callbacks.end()) continue;  // cancelled
      std::function<void()> fn = std::move(it->second);
      callbacks.erase(it);
      fn();  // may add or cancel timers
    }
    while (!heap.empty() && !callbacks.contains(heap.front().id)) {
      std::pop_heap(heap.begin(), heap.end(), std::greater<>());
      heap.pop_back();
    }
    if (!heap.empty() && heap.front().when < armed) arm(heap.front().when);
  }

  boost::asio::steady_timer timer;
  std::vector<Entry> heap;
  boost::unordered_flat_map<std::uint64_t, std::function<void()>> callbacks;
  std::uint64_t next_id = 1;
  Clock::time_point armed = Clock::time_point::max();
};

TimerHandle::TimerHandle(TimerHandle&& other) noexcept
    : queue_(std::move(other.queue_)), id_(std::exchange(other.id_, 0)) {}
TimerHandle& TimerHandle::operator=(TimerHandle&& other) noexcept {
  if (this != &other) {
    cancel();
    queue_ = std::move(other.queue_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}
TimerHandle::~TimerHandle() { cancel(); }

void TimerHandle::cancel() {
  if (id_ == 0) return;
  if (auto queue = queue_.lock()) queue->cancel(id_);
  queue_.reset();
  id_ = 0;
}

Loop::Loop()
    : impl_(std::make_unique<Impl>()),
      timers_(std::make_shared<TimerHandle::Queue>(impl_->io)),
      inbox_(std::make_shared<LoopInbox>()),
      thread_id_(std::this_thread::get_id()) {
  refresh_date();
  impl_->inbox_ready.assign(inbox_->wake_fd());
  wait_for_posts();
}

Loop::~Loop() {
  inbox_->close();
  impl_->inbox_ready.release();  // the inbox keeps its descriptor for threads that still hold it
}

// Posts from the loop's own thread skip the inbox: Asio queues them without a lock or a wake-up.
void Loop::post(std::function<void()> fn) {
  if (in_loop_thread()) boost::asio::post(impl_->io, std::move(fn));
  else inbox_->post(std::move(fn));
}

void Loop::wait_for_posts() {
  impl_->inbox_ready.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                                [this](const boost::system::error_code& ec) {
                                  if (ec) return;  // released: the loop is going
                                  inbox_->run_posted();
                                  wait_for_posts();
                                });
}

TimerHandle Loop::call_later(std::chrono::steady_clock::duration delay, std::function<void()> fn) {
  std::uint64_t id = timers_->add(std::chrono::steady_clock::now() + delay, std::move(fn));
  return TimerHandle(timers_, id);
}

void Loop::run() {
  thread_id_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  auto guard = boost::asio::make_work_guard(impl_->io);
  impl_->io.restart();  // a loop stopped before may run again
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
