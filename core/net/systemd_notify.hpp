// systemd's service notifications (sd_notify): readiness, reloads and stopping, for units of Type=notify-reload.
#pragma once

namespace updraft {

// Each sends to $NOTIFY_SOCKET, and does nothing when it is not set (not run by systemd, or a forked worker: the
// arbiter alone speaks for the service).
void notify_ready();      // READY=1: serving
void notify_reloading();  // RELOADING=1 with the MONOTONIC_USEC systemd asks for; READY=1 follows when done
void notify_stopping();   // STOPPING=1: shutting down
// In a forked worker: its notifications would be refused (NotifyAccess=main), so it sends none.
void forget_notify_socket();

}  // namespace updraft
