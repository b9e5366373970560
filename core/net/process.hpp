// Processes: Tornado's fork_processes (forked children sharing the listening sockets, supervised and restarted) and
// the sockets systemd hands over (LISTEN_FDS).
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
  std::chrono::duration<double> graceful_timeout{30};  // after SIGTERM/SIGINT, then SIGKILL
  std::function<void()> on_stop;                      // the parent stops (e.g. closes its copies of the listeners)
  std::function<void()> in_child;                     // runs first in each child (e.g. Python's after-fork hook)
};

// Forks the children. In each child it returns that child's task id (0 to processes - 1; a restarted child keeps the
// id of the one it replaces). In the parent it supervises: restarts a child that exits abnormally, forwards SIGTERM
// and SIGINT to the children (each shuts down gracefully) and returns std::nullopt with `exit_code` set once all have
// exited: 0, or 1 when restarts ran out.
std::optional<int> fork_processes(const ForkOptions& options, int& exit_code);

// The listening sockets systemd passed to this process (LISTEN_PID is ours; LISTEN_FDS of them from fd 3), with the
// variables removed so children do not take them for theirs. Empty when none were passed.
std::vector<int> systemd_sockets();

// The cores this process may run on.
int cpu_count();

}  // namespace updraft
