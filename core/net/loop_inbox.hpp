// LoopInbox: what other threads post to a loop, in a locked queue whose eventfd wakes the loop once per batch, only
// after the lock is released, and which outlives the loop (a post to a loop that has gone is dropped).
#pragma once

#include <functional>
#include <mutex>
#include <vector>

namespace updraft {

class LoopInbox {
 public:
  LoopInbox();  // throws std::system_error when no eventfd can be made
  ~LoopInbox();
  LoopInbox(const LoopInbox&) = delete;
  LoopInbox& operator=(const LoopInbox&) = delete;

  // From any thread: queues fn and, when the queue was empty, wakes the loop. Woken, the loop takes the lock that was
  // just released, so a worker thread is not preempted while holding it by the loop it woke.
  void post(std::function<void()> fn);

  // The descriptor the loop waits on for readability.
  int wake_fd() const { return fd_; }
  // On the loop thread, once wake_fd() is readable: clears the wake-up, then runs what was posted, in order.
  void run_posted();
  // The loop is going: what is queued is dropped, and so is whatever is posted from now on.
  void close();

 private:
  std::mutex mutex_;
  std::vector<std::function<void()>> queue_;
  std::vector<std::function<void()>> running_;  // the batch run_posted() takes, kept for its capacity
  bool closed_ = false;
  int fd_;
};

}  // namespace updraft
