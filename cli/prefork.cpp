// Prefork: fork, watch with sigwait (SIGCHLD, SIGTERM, SIGINT), respawn, and forward shutdown signals.
#include "cli/prefork.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>

namespace updraft {

namespace {
pid_t spawn(const std::function<int()>& child_main, const sigset_t& old_mask) {
  pid_t pid = ::fork();
  if (pid < 0) {
    spdlog::error("fork failed: {}", std::strerror(errno));
    return -1;
  }
  if (pid == 0) {
    ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    int code = 1;
    try {
      code = child_main();
    } catch (const std::exception& e) {
      spdlog::critical("worker failed: {}", e.what());
    }
    std::fflush(nullptr);
    ::_exit(code);
  }
  spdlog::info("booted worker with pid {}", pid);
  return pid;
}
}  // namespace

int run_prefork(int workers, std::chrono::duration<double> graceful_timeout, const std::function<int()>& child_main,
                const std::function<void()>& on_stop) {
  sigset_t mask, old_mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  ::sigprocmask(SIG_BLOCK, &mask, &old_mask);

  std::set<pid_t> children;
  for (int i = 0; i < workers; ++i)
    if (pid_t pid = spawn(child_main, old_mask); pid > 0) children.insert(pid);

  bool stopping = false;
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (!children.empty()) {
    timespec wait{0, 200'000'000};
    int sig = ::sigtimedwait(&mask, nullptr, &wait);
    if ((sig == SIGTERM || sig == SIGINT) && !stopping) {
      spdlog::info("master received signal {}, stopping {} workers", sig, children.size());
      stopping = true;
      on_stop();
      deadline = std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(graceful_timeout) +
                 std::chrono::seconds(5);
      for (pid_t pid : children) ::kill(pid, SIGTERM);
    }
    int status = 0;
    while (pid_t pid = ::waitpid(-1, &status, WNOHANG)) {
      if (pid < 0) break;
      children.erase(pid);
      if (stopping) continue;
      if (WIFSIGNALED(status)) spdlog::error("worker {} was killed by signal {}", pid, WTERMSIG(status));
      else spdlog::error("worker {} exited with status {}", pid, WEXITSTATUS(status));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // no tight respawn loop
      if (pid_t fresh = spawn(child_main, old_mask); fresh > 0) children.insert(fresh);
    }
    if (stopping && std::chrono::steady_clock::now() > deadline) {
      for (pid_t pid : children) ::kill(pid, SIGKILL);
    }
  }
  spdlog::info("master shut down");
  return 0;
}

}  // namespace updraft
