// SCHED_BATCH for the calling thread: it runs when the thread on its core blocks or uses up its slice, instead
// of preempting it on every wake-up; requests and responses then cross between threads in batches.
#pragma once

namespace updraft {

// Applies to the calling thread only (threads it creates later inherit it); logs a warning if refused.
void use_batch_scheduling(const char* who);

}  // namespace updraft
