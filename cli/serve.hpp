// Serve: starts a server in one of Tornado's three ways, as the command-line flags and the environment ask.
#pragma once

#include <functional>
#include <string_view>

#include "core/net/tcp_server.hpp"

namespace updraft {

// Sockets systemd passed (LISTEN_FDS/LISTEN_PID) are served as they are (add_sockets); otherwise `bind` opens the
// configured addresses. With processes != 1 the server forks that many children (0: one per core) after binding,
// each serving the same sockets under a parent that restarts any that dies (bind + start). Prints
// "NAME listening on URL" for each socket, then serves; returns the exit code.
int serve(TCPServer& server, std::string_view name, const std::function<void()>& bind, int processes);

}  // namespace updraft
