// Processes: fork, supervise with sigtimedwait (SIGCHLD, SIGTERM, SIGINT), restart, forward shutdown signals; systemd's
// inherited sockets.
#include "core/net/process.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>

namespace updraft {

namespace {
// In the child: 0 (and the caller returns its id); in the parent: the child's pid, or -1.
pid_t spawn(const ForkOptions& o, const sigset_t& old_mask) {
  pid_t pid = ::fork();
  if (pid < 0) {
    spdlog::error("fork failed: {}", std::strerror(errno));
    return -1;
  }
  if (pid == 0) {
    ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    if (o.in_child) o.in_child();
    return 0;
  }
  spdlog::info("booted worker with pid {}", pid);
  return pid;
}
}  // namespace

int cpu_count() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

std::optional<int> fork_processes(const ForkOptions& o, int& exit_code) {
  int processes = o.processes > 0 ? o.processes : cpu_count();
  sigset_t mask, old_mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  ::sigprocmask(SIG_BLOCK, &mask, &old_mask);

  std::map<pid_t, int> children;  // pid -> task id
  for (int id = 0; id < processes; ++id) {
    pid_t pid = spawn(o, old_mask);
    if (pid == 0) return id;
    if (pid > 0) children[pid] = id;
  }

  int restarts = 0;
  bool stopping = false;
  exit_code = 0;
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (!children.empty()) {
    timespec wait{0, 200'000'000};
    int sig = ::sigtimedwait(&mask, nullptr, &wait);
    if ((sig == SIGTERM || sig == SIGINT) && !stopping) {
      spdlog::info("master received signal {}, stopping {} workers", sig, children.size());
      stopping = true;
      if (o.on_stop) o.on_stop();
      deadline = std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(o.graceful_timeout) +
                 std::chrono::seconds(5);
      for (auto [pid, id] : children) ::kill(pid, SIGTERM);
    }
    int status = 0;
    while (pid_t pid = ::waitpid(-1, &status, WNOHANG)) {
      if (pid < 0) break;
      auto it = children.find(pid);
      if (it == children.end()) continue;
      int id = it->second;
      children.erase(it);
      if (stopping) continue;
      bool normal = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (normal) continue;
      bool recycled = WIFEXITED(status) && WEXITSTATUS(status) == kExitToBeReplaced;
      if (recycled) spdlog::info("worker {} recycled: starting a fresh one", pid);
      else if (WIFSIGNALED(status)) spdlog::error("worker {} was killed by signal {}", pid, WTERMSIG(status));
      else spdlog::error("worker {} exited with status {}", pid, WEXITSTATUS(status));
      if (!recycled && ++restarts > o.max_restarts) {
        spdlog::critical("too many worker restarts ({}), stopping", o.max_restarts);
        exit_code = 1;
        continue;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // no tight respawn loop
      pid_t fresh = spawn(o, old_mask);
      if (fresh == 0) return id;
      if (fresh > 0) children[fresh] = id;
    }
    if (stopping && std::chrono::steady_clock::now() > deadline) {
      for (auto [pid, id] : children) ::kill(pid, SIGKILL);
    }
  }
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  spdlog::info("master shut down");
  return std::nullopt;
}

std::vector<int> systemd_sockets() {
  const char* pid = std::getenv("LISTEN_PID");
  const char* fds = std::getenv("LISTEN_FDS");
  std::vector<int> out;
  if (!pid || !fds || std::atol(pid) != static_cast<long>(::getpid())) return out;
  int count = std::atoi(fds);
  for (int fd = 3; fd < 3 + count; ++fd) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    out.push_back(fd);
  }
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  return out;
}

}  // namespace updraft
