// The server's side of the WebSocket opening handshake (RFC 6455 4.2): checks an upgrade request and computes the
// Sec-WebSocket-Accept it answers with.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/http/request_head.hpp"

namespace updraft::websocket {

struct Handshake {
  // 0 when the request may be upgraded, else the status to refuse it with: 400 for a malformed handshake, 426 for
  // a version other than 13 (answered with "Sec-WebSocket-Version: 13").
  int status = 0;
  std::string error;                   // why it was refused, for the answer's body and the log
  std::string accept;                  // the Sec-WebSocket-Accept value
  std::vector<std::string> protocols;  // the subprotocols the client offered, in its order
};

// Checks head as a WebSocket opening handshake: GET over HTTP/1.1, Upgrade with the token "websocket", Connection
// with the token "upgrade", a Sec-WebSocket-Key that is 16 bytes in base64, Sec-WebSocket-Version 13.
Handshake check_handshake(const RequestHead& head);

// base64(SHA-1(key + the RFC's GUID)).
std::string accept_key(std::string_view key);

// True if the comma-separated list has token (case-insensitively, spaces around items ignored).
bool has_token(std::string_view list, std::string_view token);

}  // namespace updraft::websocket
