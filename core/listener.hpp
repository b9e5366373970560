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

  // "127.0.0.1:8000", ":8000", "[::1]:8000", "unix:/run/app.sock"; throws std::invalid_argument.
  static ListenSpec parse(std::string_view bind);
  bool is_unix() const { return !unix_path.empty(); }
  std::string describe() const;  // "http://127.0.0.1:8000/" or "unix:/path"
};

// Opens a non-blocking listening socket (SO_REUSEPORT for TCP); fills in spec.port when it was 0.
// Throws std::runtime_error with a clear reason.
int open_listener(ListenSpec& spec, bool reuse_port);

}  // namespace updraft
