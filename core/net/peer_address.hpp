// The text of an accepted socket's peer address, as a stream keeps it for logs, REMOTE_ADDR and trusted proxies.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace updraft {

// The peer's address ("192.0.2.1", "2001:db8::1") and port; false (both left alone) if it is not an IP socket.
bool describe_peer(const sockaddr_storage& peer, std::string& address, std::uint16_t& port);

}  // namespace updraft
