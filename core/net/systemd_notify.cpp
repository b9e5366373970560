// systemd's service notifications through libsystemd's sd_notify.
#include "core/net/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <ctime>
#include <string>

namespace updraft {

void notify_ready() { sd_notify(0, "READY=1"); }

void notify_reloading() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const long long usec = static_cast<long long>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1'000;
  sd_notify(0, ("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec)).c_str());
}

void notify_stopping() { sd_notify(0, "STOPPING=1"); }

void forget_notify_socket() { ::unsetenv("NOTIFY_SOCKET"); }

}  // namespace updraft
