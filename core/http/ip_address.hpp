// IpAddress: an IPv4 or IPv6 address read from text, for the trusted-proxy list and the addresses proxies name.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace updraft {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};  // an IPv4 address in the first 4
  bool v6 = false;

  // A dotted quad ("192.0.2.1") or an IPv6 address in RFC 4291 text ("2001:db8::1"; no brackets, no zone).
  static std::optional<IpAddress> parse(std::string_view text);
  // The canonical text (inet_ntop's).
  std::string to_string() const;
  // An IPv4-mapped IPv6 address (::ffff:192.0.2.1, a dual-stack socket's IPv4 peer) as its IPv4 address.
  IpAddress unmapped() const;
};

}  // namespace updraft
