// TrustedProxies: the peers whose forwarding headers are believed (gunicorn's --forwarded-allow-ips): IPv4 and IPv6
// addresses and CIDR blocks, or "*" for every peer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/http/ip_address.hpp"

namespace updraft {

class TrustedProxies {
 public:
  // Trusts nobody.
  TrustedProxies() = default;
  // A comma-separated list: "127.0.0.1,::1,10.0.0.0/8,fd00::/8", or "*"; throws std::invalid_argument naming the
  // entry it cannot read.
  explicit TrustedProxies(std::string_view list);

  // Whether a peer is trusted: an IPv4-mapped IPv6 address counts as its IPv4 one, and a unix socket's peer (no
  // address: it can only be a local process) always is, as in gunicorn. Text that is not an address is not trusted.
  bool contains(std::string_view peer_address) const;
  bool contains(const IpAddress& address) const;
  // The list as it was given.
  const std::string& text() const { return text_; }

 private:
  struct Network {
    IpAddress base;
    unsigned prefix_bits;
  };
  std::vector<Network> networks_;
  std::string text_;
  bool everyone_ = false;
};

}  // namespace updraft
