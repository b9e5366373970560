// Listeners: parse gunicorn-style bind addresses (HOST:PORT, [V6]:PORT, unix:PATH) and open listening sockets.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace updraft {

// The file a unix socket was bound to, told apart from a later one at the same path by its device and inode.
struct SocketFile {
  dev_t device = 0;
  ino_t inode = 0;
  bool operator==(const SocketFile&) const = default;
};

struct ListenSpec {
  std::string host;       // TCP address (empty for unix sockets)
  std::uint16_t port = 0;
  std::string unix_path;  // set for unix:PATH
  std::optional<SocketFile> unix_file;  // the file open_listener() made at unix_path (none for inherited sockets)

  // "127.0.0.1:8000", ":8000", "[::1]:8000", "unix:/run/app.sock"; throws std::invalid_argument.
  static ListenSpec parse(std::string_view bind);
  bool is_unix() const { return !unix_path.empty(); }
  std::string describe(std::string_view scheme) const;  // "http://127.0.0.1:8000/" or "unix:/path"
};

// What a listening socket made elsewhere is bound to; throws std::runtime_error if fd is not one.
ListenSpec describe_socket(int fd);

// Opens a non-blocking listening socket (SO_REUSEPORT for TCP); fills in spec.port when it was 0, and
// spec.unix_file for a unix socket. A unix socket path is taken only when it is free or a stale socket file (no
// server answers on it, replaced); a path a live server answers on, or anything but a socket, is refused.
// Throws std::runtime_error with a clear reason.
int open_listener(ListenSpec& spec, bool reuse_port);

// Removes spec's unix socket file if the path still names the file open_listener() made (another server may have
// taken the path since); does nothing for TCP and inherited sockets.
void remove_socket_file(const ListenSpec& spec);

}  // namespace updraft
