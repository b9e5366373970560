// The server's side of the permessage-deflate negotiation (RFC 7692 5 and 7.1): which offer of a client's
// Sec-WebSocket-Extensions to accept, with which parameters, and the value to answer it with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace updraft::websocket {

// What a server is willing to do. Memory per connection (see deflate_codec.hpp): a side that takes its context over
// holds its zlib stream between messages, about 2^(server_max_window_bits + 2) + 2^(memory_level + 9) bytes to
// compress (256 KiB with the defaults) and 2^client_max_window_bits + 7 KiB to decompress (39 KiB); a side without
// context takeover holds nothing between messages (its loop thread's shared stream does the work).
struct DeflateOptions {
  bool enabled = false;
  int compression_level = 6;  // zlib's 0 (none) to 9 (best)
  int memory_level = 8;       // zlib's memLevel, 1 to 9: the compressor's hash table and block buffer
  // The window the server compresses with, 8 to 15: asked as server_max_window_bits when under 15 (zlib compresses
  // with 9 when 8 is agreed: its 9-bit window never reaches back more than 250 bytes, so a 256-byte window reads it).
  std::uint8_t server_max_window_bits = 15;
  // The window the server would like the client to compress with, 8 to 15; asked as client_max_window_bits when
  // under 15 and the client's offer allows it (else the client may use 15).
  std::uint8_t client_max_window_bits = 15;
  // Ask for no context takeover: each message compressed on its own, so no per-connection stream between messages,
  // at some cost in compression for small similar messages.
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
};

// What both sides agreed on: for each direction, whether each message starts with an empty window (no context
// takeover) and the largest window the sender may use.
struct DeflateParameters {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  std::uint8_t server_max_window_bits = 15;
  std::uint8_t client_max_window_bits = 15;
};

struct DeflateAgreement {
  DeflateParameters parameters;
  std::string response;  // the Sec-WebSocket-Extensions value to answer with
};

// Reads a request's Sec-WebSocket-Extensions value (its fields joined with ", ") and accepts its first acceptable
// permessage-deflate offer, combined with the server's options; nothing (no compression) if compression is not
// enabled, no offer is acceptable or the value is malformed (RFC 6455 9.1 with RFC 7230's tokens, quoted strings and
// optional spaces). An offer is declined, and the next one tried, if it has an unknown parameter, one parameter twice,
// a value on a no_context_takeover parameter, no value on server_max_window_bits, or a window that is not a decimal
// 8 to 15 without leading zeros (a quoted one is read unquoted). Names are compared case-insensitively. Options out
// of their ranges throw std::invalid_argument.
//
// The response names server_no_context_takeover if the offer or the server asks for it, client_no_context_takeover
// likewise, server_max_window_bits if the offer has it or the server's is under 15 (the smaller of the two), and
// client_max_window_bits only if the offer has it and it says something (the offer gave a value, or the server's
// is under 15; the smaller of the two).
std::optional<DeflateAgreement> negotiate_deflate(std::string_view offers, const DeflateOptions& options);

}  // namespace updraft::websocket
