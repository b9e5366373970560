// KeepAliveReads: when a stream that has just answered starts reading its next message.
#pragma once

#include <chrono>
#include <vector>

namespace updraft {

class Loop;
class Stream;

// Boost 1.81's Asio tries every new read at once, so a read started right after a response costs a recv
// that returns EAGAIN: the client has not answered yet. While the loop thread is saturated, the streams
// that answered during one turn of the loop read together after it, when their clients have often sent the
// next request already, so that one recv gets it. Otherwise reads start at once: deferring them would cost
// the loop an extra look at its sockets, and the request some latency, for nothing. A deferred read that
// finds nothing costs a second EAGAIN, so deferring stops for the rest of a tick once most of them do.
class KeepAliveReads {
 public:
  // allowed false: reads always start at once.
  KeepAliveReads(Loop& loop, bool allowed) : loop_(loop), allowed_(allowed) {}
  ~KeepAliveReads();
  KeepAliveReads(const KeepAliveReads&) = delete;
  KeepAliveReads& operator=(const KeepAliveReads&) = delete;

  // True: s.read_deferred() will be called after this turn; false: the caller reads now.
  bool defer(Stream& s);
  // What a deferred read found: a request (or the end of the stream) or nothing yet.
  void count_read(bool found) { ++(found ? found_ : empty_); }
  // Called on the loop thread every tick: reads are deferred while the thread was runnable (running or waiting
  // for a core) for most of the last tick.
  void on_tick();
  // Whether the loop thread was runnable for most of the last tick (and deferring is allowed): Stream's hang-up
  // watch, which may then wait for the next tick, asks this.
  bool saturated() const { return saturated_; }

 private:
  static constexpr double kSaturated = 0.9;  // share of the wall-clock time the loop thread was runnable
  static constexpr unsigned kMinEmpty = 16;  // empty deferred reads before judging that deferring does not pay

  void start_reads();
  // How long the loop thread has been runnable: running, or ready and waiting for a core, which a saturated loop
  // also is on a machine busy with other work.
  std::chrono::nanoseconds runnable_time();

  Loop& loop_;
  bool allowed_;
  std::vector<Stream*> waiting_;
  std::vector<Stream*> starting_;
  std::chrono::nanoseconds last_runnable_{};
  std::chrono::nanoseconds last_wall_{};
  unsigned found_ = 0;
  unsigned empty_ = 0;
  static constexpr int kUnopened = -2;
  int schedstat_fd_ = kUnopened;  // the loop thread's /proc/thread-self/schedstat, opened on its first tick
  bool saturated_ = false;
  bool deferring_ = false;
  bool posted_ = false;
};

}  // namespace updraft
