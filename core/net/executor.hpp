// Executor: a small pool of threads for blocking work that native handlers must not do on the loop
// (Tornado's IOLoop.run_in_executor); results come back to the loop through Loop::post().
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace updraft {

class Executor {
 public:
  // The process-wide executor (4 threads), started on first use.
  static Executor& shared();

  explicit Executor(int threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Runs job on a pool thread. job must not touch loop-owned state; hand results back with Loop::post().
  void submit(std::function<void()> job);

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace updraft
