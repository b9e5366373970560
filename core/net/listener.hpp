// Listeners: parse gunicorn-style bind addresses (HOST:PORT, [V6]:PORT, unix:PATH) and open listening sockets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace updraft {

struct ListenSpec {
  std::string host;       // TCP address (empty for unix sockets)
  std::uint16_t port = 0;
  std::string unix_path;  // set for unix:PATH
  bool inherited = false;  // a socket made elsewhere (systemd, add_sockets): never unlinked here

  // "127.0.0.1:8000", ":8000", "[::1]:8000", "unix:/run/app.sock"; throws std::invalid_argument.
  static ListenSpec parse(std::string_view bind);
  bool is_unix() const { return !unix_path.empty(); }
  std::string describe(std::string_view scheme) const;  // "http://127.0.0.1:8000/" or "unix:/path"
};

// What a listening socket made elsewhere is bound to; throws std::runtime_error if fd is not one.
ListenSpec describe_socket(int fd);

// Opens a non-blocking listening socket (SO_REUSEPORT for TCP); fills in spec.port when it was 0.
// Throws std::runtime_error with a clear reason.
int open_listener(ListenSpec& spec, bool reuse_port);

}  // namespace updraft
