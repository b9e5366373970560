// The WebSocket opening handshake: RFC 6455 4.2.1's checks and 4.2.2's Sec-WebSocket-Accept (SHA-1 from OpenSSL).
#include "core/websocket/handshake.hpp"

#include <openssl/evp.h>

#include <array>

#include "core/http/headers.hpp"

namespace updraft::websocket {

namespace {
constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// Calls fn for each non-empty item of a comma-separated list, trimmed.
template <typename Fn>
void for_each_item(std::string_view list, Fn fn) {
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view item = trim_ows(list.substr(0, comma));
    if (!item.empty()) fn(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// 16 bytes in base64 are 22 characters, the last of which carries 2 bits (so it is one of A, Q, g, w), then "==".
bool is_nonce(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (std::size_t i = 0; i < 22; ++i)
    if (!is_base64_char(key[i])) return false;
  return std::string_view("AQgw").find(key[21]) != std::string_view::npos;
}
}  // namespace

bool has_token(std::string_view list, std::string_view token) {
  bool found = false;
  for_each_item(list, [&](std::string_view item) { found = found || iequals(item, token); });
  return found;
}

std::string accept_key(std::string_view key) {
  std::string input(key);
  input.append(kGuid);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  EVP_Digest(input.data(), input.size(), digest.data(), &digest_size, EVP_sha1(), nullptr);
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> encoded{};
  int n = EVP_EncodeBlock(encoded.data(), digest.data(), static_cast<int>(digest_size));
  return std::string(reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(n));
}

Handshake check_handshake(const RequestHead& head) {
  Handshake h;
  auto refuse = [&](int status, std::string why) {
    h.status = status;
    h.error = std::move(why);
    return h;
  };
  if (head.method != "GET") return refuse(400, "a WebSocket handshake is a GET");
  if (head.version_minor < 1) return refuse(400, "a WebSocket handshake needs HTTP/1.1");
  auto upgrade = head.headers.get_joined("upgrade");
  if (!upgrade || !has_token(*upgrade, "websocket")) return refuse(400, "Can \"Upgrade\" only to \"WebSocket\".");
  auto connection = head.headers.get_joined("connection");
  if (!connection || !has_token(*connection, "upgrade"))
    return refuse(400, "\"Connection\" must be \"Upgrade\".");
  auto version = head.headers.get("sec-websocket-version");
  if (!version || trim_ows(*version) != "13") return refuse(426, "the WebSocket version must be 13");
  if (head.headers.count("sec-websocket-key") != 1) return refuse(400, "one Sec-WebSocket-Key is needed");
  std::string_view key = trim_ows(*head.headers.get("sec-websocket-key"));
  if (!is_nonce(key)) return refuse(400, "Sec-WebSocket-Key is not 16 bytes in base64");
  if (auto offered = head.headers.get_joined("sec-websocket-protocol"))
    for_each_item(*offered, [&](std::string_view p) { h.protocols.emplace_back(p); });
  h.accept = accept_key(key);
  return h;
}

}  // namespace updraft::websocket
