// use_batch_scheduling(): sched_setscheduler(2) on the calling thread.
#include "core/net/scheduling.hpp"

#include <sched.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

namespace updraft {

void use_batch_scheduling(const char* who) {
  sched_param param{};
  if (::sched_setscheduler(0, SCHED_BATCH, &param) != 0) spdlog::warn("SCHED_BATCH for {}: {}", who, std::strerror(errno));
}

}  // namespace updraft
