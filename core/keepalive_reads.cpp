// KeepAliveReads: defers the next-request reads of a saturated loop's keep-alive connections to the end of the turn.
#include "core/keepalive_reads.hpp"

#include <boost/asio/post.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
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

// How long the calling thread has been runnable: running, or ready and waiting for a core, which a saturated loop
// does on a machine busy with other work (the first two fields of /proc/thread-self/schedstat). Where that file is
// missing (a kernel without CONFIG_SCHED_INFO), its CPU time.
std::chrono::nanoseconds runnable_time() {
  int fd = ::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char text[128];
    ssize_t n = ::read(fd, text, sizeof text - 1);
    ::close(fd);
    unsigned long long ran = 0, waited = 0;
    if (n > 0) {
      text[n] = '\0';
      if (std::sscanf(text, "%llu %llu", &ran, &waited) == 2) return std::chrono::nanoseconds(ran + waited);
    }
  }
  return read_clock(CLOCK_THREAD_CPUTIME_ID);
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
  auto runnable = runnable_time();
  auto wall = read_clock(CLOCK_MONOTONIC);
  // The first tick compares with the thread's start and the boot: a small share, so no deferring yet.
  deferring_ = allowed_ && static_cast<double>((runnable - last_runnable_).count()) >=
               kSaturated * static_cast<double>((wall - last_wall_).count());
  last_runnable_ = runnable;
  last_wall_ = wall;
  found_ = empty_ = 0;
}

}  // namespace updraft
