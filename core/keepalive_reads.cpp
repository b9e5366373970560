// KeepAliveReads: defers the next-request reads of a saturated loop's keep-alive connections to the end of the turn.
#include "core/keepalive_reads.hpp"

#include <boost/asio/post.hpp>

#include <ctime>

#include "core/connection.hpp"
#include "core/loop_impl.hpp"
#include "core/metrics.hpp"

namespace updraft {

namespace {
std::chrono::nanoseconds read_clock(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}
}  // namespace

bool KeepAliveReads::defer(Connection& c) {
  if (!deferring_) return false;
  waiting_.push_back(&c);
  if (!posted_) {
    posted_ = true;
    // A posted handler runs after every handler of this turn and the loop's next look at its sockets.
    boost::asio::post(loop_.impl().io, [this] { start_reads(); });
  }
  return true;
}

void KeepAliveReads::start_reads() {
  posted_ = false;
  starting_.swap(waiting_);
  Metrics::instance().count_deferred_reads(starting_.size());
  for (Connection* c : starting_) c->read_next_request();
  starting_.clear();
  if (empty_ >= kMinEmpty && empty_ > found_) deferring_ = false;
}

void KeepAliveReads::on_tick() {
  auto cpu = read_clock(CLOCK_THREAD_CPUTIME_ID);
  auto wall = read_clock(CLOCK_MONOTONIC);
  // The first tick compares with the thread's start and the boot: a small share, so no deferring yet.
  deferring_ = allowed_ && static_cast<double>((cpu - last_cpu_).count()) >=
               kSaturated * static_cast<double>((wall - last_wall_).count());
  last_cpu_ = cpu;
  last_wall_ = wall;
  found_ = empty_ = 0;
}

}  // namespace updraft
