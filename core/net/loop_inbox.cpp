// LoopInbox: posts from other threads, woken through an eventfd written after the queue's lock is released.
#include "core/net/loop_inbox.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>
#include <utility>

namespace updraft {

LoopInbox::LoopInbox() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

LoopInbox::~LoopInbox() { ::close(fd_); }

void LoopInbox::post(std::function<void()> fn) {
  bool wake;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;  // fn is destroyed here, outside the lock
    wake = queue_.empty();  // else the poster that found it empty wakes the loop, or the loop has yet to take it
    queue_.push_back(std::move(fn));
  }
  if (wake) {
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(fd_, &one, sizeof one);  // only fails when the counter is full: still awake
  }
}

void LoopInbox::run_posted() {
  std::uint64_t count;
  [[maybe_unused]] ssize_t n = ::read(fd_, &count, sizeof count);  // before taking the queue: a later post wakes again
  {
    std::lock_guard lock(mutex_);
    running_.swap(queue_);
  }
  for (auto& fn : running_) fn();
  running_.clear();
}

void LoopInbox::close() {
  std::vector<std::function<void()>> dropped;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    dropped.swap(queue_);
  }
}

}  // namespace updraft
