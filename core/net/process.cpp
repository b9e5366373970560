// Processes: the arbiter (fork, supervise through a signalfd and a "ready" pipe, restart, replace before draining,
// forward stop signals), the children's side of it, and systemd's inherited sockets.
#include "core/net/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <stdexcept>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "core/net/metrics.hpp"
#include "core/net/systemd_notify.hpp"

namespace updraft {

namespace {
using Clock = std::chrono::steady_clock;

// What the arbiter counts, in memory shared with its children so that each worker's /metrics shows it.
struct SupervisorCounters {
  std::atomic<std::uint64_t> restarts{0};  // children that died and were started again
  std::atomic<std::uint64_t> recycles{0};  // children replaced at their request (--max-requests, stuck threads)
};
SupervisorCounters* counters = nullptr;  // made by fork_processes, for the life of the process

int ready_pipe = -1;            // in a child: where report_ready() writes its pid
bool supervised_child = false;  // in a child of fork_processes
void (*child_reopen_logs)() = nullptr;

sigset_t arbiter_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGTTIN, SIGTTOU}) sigaddset(&set, sig);
  return set;
}

void on_usr1(int) {
  int saved = errno;
  child_reopen_logs();
  errno = saved;
}

void on_quit(int) { ::kill(::getpid(), SIGTERM); }

void set_handler(int sig, void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  ::sigaction(sig, &sa, nullptr);
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

// Thrown in a freshly forked child to leave the arbiter's loop: fork_processes returns its id.
struct InChild {
  int id;
};

// gunicorn's arbiter: the children by pid, those draining, and what each signal does to them.
class Arbiter {
 public:
  explicit Arbiter(const ForkOptions& o) : o_(o), target_(o.processes > 0 ? o.processes : cpu_count()) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    ready_read_ = fds[0];
    ready_write_ = fds[1];
    ::fcntl(ready_read_, F_SETFL, O_NONBLOCK);
    sigset_t signals = arbiter_signals();
    ::sigprocmask(SIG_BLOCK, &signals, &old_mask_);
    signal_fd_ = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  }

  ~Arbiter() {
    ::close(signal_fd_);
    ::close(ready_read_);
    if (!supervised_child) ::close(ready_write_);
    ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
  }

  int run() {
    for (int id = 0; id < target_; ++id) spawn(id, 0);
    while (!children_.empty() || !retiring_.empty()) {
      wait_for_events();
      take_signals();
      take_ready_reports();
      reap();
      announce_readiness();
      if (!stopping_) poll_code_changes();
      if (stopping_ && Clock::now() > kill_deadline_) signal_all(SIGKILL);
    }
    spdlog::info("master shut down");
    return exit_code_;
  }

 private:
  struct Child {
    int id;
    bool ready;
    pid_t replaces;  // the child told to drain once this one is ready (0: none)
  };

  void wait_for_events() {
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {ready_read_, POLLIN, 0}};
    ::poll(fds, 2, 200);
  }

  // --- children ---

  void spawn(int id, pid_t replaces) {
    pid_t pid = ::fork();
    if (pid < 0) {
      spdlog::error("fork failed: {}", std::strerror(errno));
      return;
    }
    if (pid == 0) {
      become_child();
      throw InChild{id};
    }
    spdlog::info("booted worker with pid {}", pid);
    children_[pid] = Child{id, false, replaces};
    if (!o_.children_report_ready) on_ready(pid);
  }

  void become_child() {
    supervised_child = true;
    forget_notify_socket();
    ready_pipe = ready_write_;
    ::close(signal_fd_);
    ::close(ready_read_);
    signal_fd_ = ready_read_ = -1;
    handle_worker_signals(o_.reopen_logs);
    ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    count_in_metrics();
    if (o_.in_child) o_.in_child();
  }

  static void count_in_metrics() {
    Metrics& m = Metrics::instance();
    m.add_sampler("updraft_worker_restarts_total", "Workers the master started again after they died.", "counter",
                  [] { return static_cast<double>(counters->restarts.load(std::memory_order_relaxed)); });
    m.add_sampler("updraft_worker_recycles_total",
                  "Workers replaced at their request (--max-requests, threads stuck past --timeout).", "counter",
                  [] { return static_cast<double>(counters->recycles.load(std::memory_order_relaxed)); });
  }

  void on_ready(pid_t pid) {
    auto it = children_.find(pid);
    if (it == children_.end() || it->second.ready) return;
    it->second.ready = true;
    ever_ready_ = true;
    if (o_.children_report_ready) spdlog::info("worker {} ready", pid);
    if (pid_t old = std::exchange(it->second.replaces, 0)) retire(old);
  }

  // Tells a child to drain and exit; it is not restarted.
  void retire(pid_t pid) {
    if (!children_.erase(pid)) return;
    retiring_.insert(pid);
    ::kill(pid, SIGTERM);
  }

  // Starts a replacement for a child, which drains once the replacement is ready.
  void replace(pid_t pid) {
    auto it = children_.find(pid);
    if (stopping_ || it == children_.end() || replacement_of(pid)) return;
    spawn(it->second.id, pid);
  }

  std::optional<pid_t> replacement_of(pid_t pid) const {
    for (auto& [candidate, child] : children_)
      if (child.replaces == pid) return candidate;
    return std::nullopt;
  }

  int free_id() const {
    std::set<int> used;
    for (auto& [pid, child] : children_) used.insert(child.id);
    int id = 0;
    while (used.count(id)) ++id;
    return id;
  }

  void signal_all(int sig) {
    for (auto& [pid, child] : children_) ::kill(pid, sig);
    for (pid_t pid : retiring_) ::kill(pid, sig);
  }

  // --- signals ---

  void take_signals() {
    signalfd_siginfo info;
    while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) on_signal(info);
  }

  void on_signal(const signalfd_siginfo& info) {
    switch (info.ssi_signo) {
      case SIGTERM:
      case SIGQUIT: return stop(SIGTERM, o_.graceful_timeout + std::chrono::seconds(5), info.ssi_signo);
      case SIGINT: return stop(SIGINT, std::chrono::seconds(1), SIGINT);
      case SIGHUP: return reload("SIGHUP");
      case SIGUSR1: return reopen_logs();
      case SIGUSR2: return replace_on_request(static_cast<pid_t>(info.ssi_pid));
      case SIGTTIN: return add_child();
      case SIGTTOU: return remove_child();
      default: return;  // SIGCHLD: reap() follows
    }
  }

  void stop(int forwarded, std::chrono::duration<double> grace, int received) {
    if (stopping_) return;
    spdlog::info("master received signal {}, stopping {} workers", received, children_.size() + retiring_.size());
    stopping_ = true;
    notify_stopping();
    if (o_.on_stop) o_.on_stop();
    kill_deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(grace);
    signal_all(forwarded);
  }

  void reload(const char* why) {
    if (stopping_) return;
    spdlog::info("{}: reloading, a new worker for each of {}", why, children_.size());
    if (announced_ready_) {
      notify_reloading();
      reloading_ = true;
    }
    std::vector<pid_t> current;
    for (auto& [pid, child] : children_) current.push_back(pid);
    for (pid_t pid : current) replace(pid);
  }

  void reopen_logs() {
    if (o_.reopen_logs) o_.reopen_logs();
    spdlog::info("SIGUSR1: log files reopened");
    signal_all(SIGUSR1);
  }

  void replace_on_request(pid_t pid) {
    if (!children_.count(pid)) return;
    counters->recycles.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("worker {} asked to be replaced: starting its replacement", pid);
    replace(pid);
  }

  void add_child() {
    if (stopping_) return;
    ++target_;
    spdlog::info("SIGTTIN: {} workers", target_);
    spawn(free_id(), 0);
  }

  void remove_child() {
    if (stopping_ || target_ <= 1) return;
    --target_;
    int id = 0;  // the highest
    for (auto& [pid, child] : children_) id = std::max(id, child.id);
    spdlog::info("SIGTTOU: {} workers", target_);
    std::vector<pid_t> doomed;
    for (auto& [pid, child] : children_)
      if (child.id == id) doomed.push_back(pid);
    for (pid_t pid : doomed) retire(pid);
  }

  void poll_code_changes() {
    if (!o_.code_changed || Clock::now() < next_code_check_) return;
    next_code_check_ = Clock::now() + std::chrono::seconds(1);
    if (o_.code_changed()) reload("a Python file changed");
  }

  // --- ready reports and exits ---

  // systemd hears READY=1 once every child of the first boot, or of a reload, is ready (or a reload's replacement
  // failed and its old worker serves on).
  void announce_readiness() {
    if (stopping_ || (announced_ready_ && !reloading_)) return;
    for (auto& [pid, child] : children_)
      if (!child.ready) return;
    notify_ready();
    announced_ready_ = true;
    reloading_ = false;
  }

  void take_ready_reports() {
    pid_t pid;
    while (::read(ready_read_, &pid, sizeof pid) == static_cast<ssize_t>(sizeof pid)) on_ready(pid);
  }

  void reap() {
    int status = 0;
    while (pid_t pid = ::waitpid(-1, &status, WNOHANG)) {
      if (pid < 0) break;
      if (retiring_.erase(pid)) {
        spdlog::info("worker {} drained and {}", pid, describe_status(status));
        continue;
      }
      auto it = children_.find(pid);
      if (it == children_.end()) continue;
      Child child = it->second;
      children_.erase(it);
      if (!stopping_) on_exit(pid, child, status);
    }
  }

  void on_exit(pid_t pid, const Child& child, int status) {
    if (auto replacement = replacement_of(pid)) {  // it takes the place, and replaces whom this one was replacing
      spdlog::error("worker {} {}; {} takes its place", pid, describe_status(status), *replacement);
      children_[*replacement].replaces = child.replaces;
      return;
    }
    if (!child.ready) return on_boot_failure(pid, child, status);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    if (WIFEXITED(status) && WEXITSTATUS(status) == kExitToBeReplaced) {
      counters->recycles.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("worker {} recycled: starting a fresh one", pid);
      return spawn(child.id, 0);
    }
    spdlog::error("worker {} {}", pid, describe_status(status));
    restart(child.id);
  }

  void on_boot_failure(pid_t pid, const Child& child, int status) {
    if (child.replaces) {
      spdlog::error("worker {} {} before it was ready: the reload failed, worker {} keeps serving", pid,
                    describe_status(status), child.replaces);
    } else if (!ever_ready_) {
      spdlog::critical("worker {} failed to boot ({}), stopping", pid, describe_status(status));
      exit_code_ = 1;
      stop(SIGTERM, o_.graceful_timeout + std::chrono::seconds(5), SIGTERM);
    } else {
      spdlog::error("worker {} {} before it was ready", pid, describe_status(status));
      restart(child.id);
    }
  }

  void restart(int id) {
    counters->restarts.fetch_add(1, std::memory_order_relaxed);
    if (++restarts_ > o_.max_restarts) {
      spdlog::critical("too many worker restarts ({}), stopping", o_.max_restarts);
      exit_code_ = 1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // no tight respawn loop
    spawn(id, 0);
  }

  const ForkOptions& o_;
  int target_;
  sigset_t old_mask_;
  int signal_fd_ = -1;
  int ready_read_ = -1;
  int ready_write_ = -1;
  std::map<pid_t, Child> children_;  // serving or booting
  std::set<pid_t> retiring_;         // told to drain
  int restarts_ = 0;
  bool stopping_ = false;
  bool ever_ready_ = false;
  bool announced_ready_ = false;  // READY=1 sent to systemd
  bool reloading_ = false;        // RELOADING=1 sent, READY=1 not yet
  int exit_code_ = 0;
  Clock::time_point kill_deadline_ = Clock::time_point::max();
  Clock::time_point next_code_check_ = Clock::now() + std::chrono::seconds(1);
};
}  // namespace

int cpu_count() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

std::optional<int> fork_processes(const ForkOptions& o, int& exit_code) {
  if (!counters) {
    void* shared = ::mmap(nullptr, sizeof(SupervisorCounters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) throw std::runtime_error(std::string("mmap: ") + std::strerror(errno));
    counters = new (shared) SupervisorCounters;
  }
  try {
    Arbiter arbiter(o);
    exit_code = arbiter.run();
    return std::nullopt;
  } catch (const InChild& child) {
    return child.id;
  }
}

void report_ready() {
  if (ready_pipe < 0) return;
  pid_t pid = ::getpid();
  [[maybe_unused]] auto n = ::write(ready_pipe, &pid, sizeof pid);  // a pipe takes this atomically
  ::close(ready_pipe);
  ready_pipe = -1;
}

bool ask_to_be_replaced() { return supervised_child && ::kill(::getppid(), SIGUSR2) == 0; }

void handle_worker_signals(void (*reopen_logs)()) {
  child_reopen_logs = reopen_logs;
  set_handler(SIGUSR1, reopen_logs ? on_usr1 : SIG_IGN);
  set_handler(SIGQUIT, on_quit);
  for (int sig : {SIGHUP, SIGUSR2, SIGTTIN, SIGTTOU}) set_handler(sig, SIG_IGN);
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
