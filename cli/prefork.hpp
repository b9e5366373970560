// Prefork: a master process that forks N workers sharing the listeners, restarts any that die, and stops them all
// gracefully on SIGTERM/SIGINT (gunicorn's arbiter).
#pragma once

#include <chrono>
#include <functional>

namespace updraft {

// Runs in the master; each child runs child_main() and exits with its return value. On
// SIGTERM/SIGINT the master calls on_stop() (to close its copies of the listeners, so new
// connections are refused rather than queued) and signals the workers.
// Returns the master's exit code.
int run_prefork(int workers, std::chrono::duration<double> graceful_timeout, const std::function<int()>& child_main,
                const std::function<void()>& on_stop);

}  // namespace updraft
