// The PROXY protocol header (HAProxy's, versions 1 and 2) a proxy sends before the client's bytes, read as untrusted
// bytes: network-free, from whatever prefix of the connection has arrived.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace updraft::proxy {

// Version 1 lines are at most 107 bytes (the specification's bound); a version 2 header with its TLVs at most this.
constexpr std::size_t kMaxHeaderBytes = 4096;

struct ProxyHeader {
  enum class Client : unsigned char {
    connection,   // the header names nobody (v2 LOCAL, v1 UNKNOWN, v2 UNSPEC): the connection's own peer stands
    inet,         // a TCP client over IPv4 or IPv6: address and port below
    unix_socket,  // a client on the proxy's unix socket: no address
  };
  int version = 0;  // 1 or 2
  Client client = Client::connection;
  std::string address;  // inet_ntop's text of the client's address
  std::uint16_t port = 0;
};

struct ProxyHeaderResult {
  enum class Outcome : unsigned char { need_more, done, error };
  Outcome outcome = Outcome::need_more;
  std::size_t length = 0;  // done: the header's bytes, which the next protocol's bytes follow
  const char* reason = "";  // error: why
  ProxyHeader header;
};

// Reads the header at the start of input (every byte received so far). need_more only while input is a prefix of a
// header that may still be valid, so plain HTTP or a wrong signature is refused at its first byte; a v1 line must
// be "PROXY TCP4|TCP6 SRC DST SPORT DPORT" or "PROXY UNKNOWN ..." ended by CRLF; a v2 header must have version 2, the
// LOCAL or PROXY command, a known family with room for its addresses, and TLVs (skipped) that fit its length.
ProxyHeaderResult parse_proxy_header(std::string_view input);

}  // namespace updraft::proxy
