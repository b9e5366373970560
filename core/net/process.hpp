// Processes: Tornado's fork_processes under gunicorn's arbiter (forked children sharing the listening sockets,
// supervised, restarted, replaced before they drain; the signals TERM, QUIT, INT, HUP, USR1, USR2, TTIN, TTOU) and the
// sockets systemd hands over (LISTEN_FDS); the arbiter tells systemd when the service is ready, reloading, stopping,
// and counts restarts and recycles for the workers' /metrics.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

namespace updraft {

// The exit status of a child that asks to be replaced (recycled: it drained and left so that a fresh one takes over);
// the supervisor restarts it without counting it as a failure.
inline constexpr int kExitToBeReplaced = 75;  // EX_TEMPFAIL

struct ForkOptions {
  int processes = 0;                                  // 0: one per core
  int max_restarts = 100;                             // children that die abnormally are restarted this many times
  std::chrono::duration<double> graceful_timeout{30};  // after SIGTERM/SIGQUIT, then SIGKILL
  std::function<void()> on_stop;                      // the parent stops (e.g. closes its copies of the listeners)
  std::function<void()> in_child;                     // runs first in each child (e.g. Python's after-fork hook)
  // A child is ready (and the one it replaces is told to drain) once it calls report_ready(); false: once forked.
  bool children_report_ready = false;
  // SIGUSR1, in the parent and (as a signal handler: async-signal-safe) in each child; null: USR1 only forwarded.
  void (*reopen_logs)() = nullptr;
  // Polled every second by the parent: true starts a reload as SIGHUP does (--reload).
  std::function<bool()> code_changed;
};

// Forks the children. In each child it returns that child's task id (0 to processes - 1; a restarted or replacing
// child keeps the id of the one it replaces). In the parent it supervises until all children have exited, then returns
// std::nullopt with `exit_code` set: 0, or 1 when restarts ran out or the first children failed to boot.
//   TERM, QUIT  graceful stop: children get SIGTERM, SIGKILL past the graceful timeout (+5 s)
//   INT         quick stop: children get SIGINT, SIGKILL after a second
//   HUP         reload: a new child for each one, each old one told to drain (SIGTERM) once its replacement is ready;
//               a replacement that exits before it is ready leaves the old one serving
//   USR2        from a child: it wants to be replaced (max requests), the same way
//   TTIN, TTOU  one child more, one less (never below one)
//   USR1        reopen_logs, here and in every child
std::optional<int> fork_processes(const ForkOptions& options, int& exit_code);

// In a child of fork_processes: it is ready to serve (with children_report_ready). No-op elsewhere.
void report_ready();
// In a child of fork_processes: asks the parent to start a replacement and then to drain this child. False elsewhere.
bool ask_to_be_replaced();
// A serving process's answers to the arbiter's signals (children get them from fork_processes; a lone process calls
// it itself): USR1 runs reopen_logs (async-signal-safe; null: ignored), QUIT shuts down gracefully as TERM does, HUP,
// USR2, TTIN and TTOU are ignored.
void handle_worker_signals(void (*reopen_logs)());

// The listening sockets systemd passed to this process (LISTEN_PID is ours; LISTEN_FDS of them from fd 3), with the
// variables removed so children do not take them for theirs. Empty when none were passed.
std::vector<int> systemd_sockets();

// The cores this process may run on.
int cpu_count();

}  // namespace updraft
