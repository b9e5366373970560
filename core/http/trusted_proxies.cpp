// TrustedProxies: the list read once at start, then a prefix comparison per connection.
#include "core/http/trusted_proxies.hpp"

#include <charconv>
#include <stdexcept>

#include "core/http/headers.hpp"

namespace updraft {

namespace {
bool same_prefix(const IpAddress& a, const IpAddress& b, unsigned bits) {
  for (unsigned i = 0; bits > 0; ++i) {
    unsigned take = bits < 8 ? bits : 8;
    auto mask = static_cast<std::uint8_t>(0xff00u >> take);
    if ((a.bytes[i] & mask) != (b.bytes[i] & mask)) return false;
    bits -= take;
  }
  return true;
}
}  // namespace

TrustedProxies::TrustedProxies(std::string_view list) : text_(list) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view entry = trim_ows(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (entry.empty()) continue;
    if (entry == "*") {
      everyone_ = true;
      continue;
    }
    auto bad = [&] { return std::invalid_argument("not an IP address or CIDR block: '" + std::string(entry) + "'"); };
    std::size_t slash = entry.find('/');
    auto address = IpAddress::parse(entry.substr(0, slash));
    if (!address) throw bad();
    unsigned max_bits = address->v6 ? 128 : 32;
    unsigned bits = max_bits;
    if (slash != std::string_view::npos) {
      std::string_view digits = entry.substr(slash + 1);
      auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
      if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || bits > max_bits)
        throw bad();
    }
    IpAddress base = *address;
    if (base.v6 && !base.unmapped().v6 && bits >= 96) {  // ::ffff:10.0.0.0/104 is 10.0.0.0/8
      base = base.unmapped();
      bits -= 96;
    }
    networks_.push_back({base, bits});
  }
}

bool TrustedProxies::contains(std::string_view peer_address) const {
  if (peer_address.empty() || everyone_) return true;
  auto address = IpAddress::parse(peer_address);
  return address && contains(*address);
}

bool TrustedProxies::contains(const IpAddress& address) const {
  if (everyone_) return true;
  IpAddress peer = address.unmapped();
  for (const Network& n : networks_)
    if (n.base.v6 == peer.v6 && same_prefix(n.base, peer, n.prefix_bits)) return true;
  return false;
}

}  // namespace updraft
