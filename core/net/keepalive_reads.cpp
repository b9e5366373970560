// KeepAliveReads: defers the next reads of a saturated loop's streams that have just answered to the end of the turn.
#include "core/net/keepalive_reads.hpp"

#include <boost/asio/post.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "core/net/loop_impl.hpp"
#include "core/net/stream.hpp"
#include "core/net/metrics.hpp"

namespace updraft {

namespace {
std::chrono::nanoseconds read_clock(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}
}  // namespace

bool KeepAliveReads::defer(Stream& s) {
  if (!deferring_) return false;
  waiting_.push_back(&s);
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
  for (Stream* s : starting_) s->read_deferred();
  starting_.clear();
  if (empty_ >= kMinEmpty && empty_ > found_) deferring_ = false;
}

KeepAliveReads::~KeepAliveReads() {
  if (schedstat_fd_ >= 0) ::close(schedstat_fd_);
}

// The first two fields of the loop thread's schedstat: nanoseconds it ran and waited for a core. Without that file
// (a kernel without CONFIG_SCHED_INFO), its CPU time.
std::chrono::nanoseconds KeepAliveReads::runnable_time() {
  if (schedstat_fd_ == kUnopened) schedstat_fd_ = ::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  if (schedstat_fd_ >= 0) {
    char text[128];
    ssize_t n = ::pread(schedstat_fd_, text, sizeof text - 1, 0);
    unsigned long long ran = 0, waited = 0;
    if (n > 0) {
      text[n] = '\0';
      if (std::sscanf(text, "%llu %llu", &ran, &waited) == 2) return std::chrono::nanoseconds(ran + waited);
    }
  }
  return read_clock(CLOCK_THREAD_CPUTIME_ID);
}

void KeepAliveReads::on_tick() {
  if (!allowed_) return;
  auto runnable = runnable_time();
  auto wall = read_clock(CLOCK_MONOTONIC);
  // The first tick compares with the thread's start and the boot: a small share, so no deferring yet.
  saturated_ = static_cast<double>((runnable - last_runnable_).count()) >=
               kSaturated * static_cast<double>((wall - last_wall_).count());
  deferring_ = saturated_;
  last_runnable_ = runnable;
  last_wall_ = wall;
  found_ = empty_ = 0;
}

}  // namespace updraft
