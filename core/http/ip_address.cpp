// IpAddress: inet_pton and inet_ntop on a bounded copy of the text.
#include "core/http/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace updraft {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  char copy[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof copy) return std::nullopt;
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  IpAddress address;
  address.v6 = text.find(':') != std::string_view::npos;
  if (::inet_pton(address.v6 ? AF_INET6 : AF_INET, copy, address.bytes.data()) != 1) return std::nullopt;
  return address;
}

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
  return text;
}

IpAddress IpAddress::unmapped() const {
  static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!v6 || !std::equal(std::begin(kMappedPrefix), std::end(kMappedPrefix), bytes.begin())) return *this;
  IpAddress v4;
  std::copy_n(bytes.begin() + 12, 4, v4.bytes.begin());
  return v4;
}

}  // namespace updraft
