// Fuzz target: Forwarded and X-Forwarded-* values from an untrusted client. The input is split at '\n' into header
// values (the first byte picks which field each one is); apply_proxy_headers() must leave the head with an address
// that reads back, "http" or "https", and a Host that is a valid host, and applying it twice changes nothing more.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/http/forwarded.hpp"
#include "core/http/proxy_headers.hpp"

using updraft::RequestHead;

namespace {
void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "broken promise: %s\n", what);
  std::abort();
}

constexpr std::string_view kFields[] = {"Forwarded", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"};

std::string state(const RequestHead& head) {
  return head.remote_ip + " " + std::to_string(head.remote_port) + " " + std::string(head.protocol) + " " +
         std::string(head.headers.get("host").value_or(""));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 8192) return 0;
  static const updraft::TrustedProxies trusted("127.0.0.1,10.0.0.0/8,2001:db8::/32");
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  // The value readers on the input as one value.
  if (auto elements = updraft::parse_forwarded(input)) {
    for (const auto& e : *elements) {
      require(e.host.empty() || updraft::is_valid_host(e.host), "a Forwarded host that is a host");
      require(e.proto.empty() || e.proto == "http" || e.proto == "https", "a Forwarded proto that is a scheme");
    }
  }
  for (std::string_view entry : updraft::split_list(input)) {
    require(!entry.empty() && entry.front() != ' ' && entry.back() != ' ', "list entries trimmed");
    if (auto node = updraft::parse_x_forwarded_for_entry(entry); node && node->address)
      require(updraft::IpAddress::parse(node->address->to_string()).has_value(), "an entry's address reads back");
  }

  // The whole walk on a request from a trusted peer.
  RequestHead head;
  head.remote_ip = "127.0.0.1";
  head.remote_port = 5000;
  head.headers.add("Host", "internal:8000");
  unsigned pick = data[0];
  while (!input.empty()) {
    std::size_t newline = input.find('\n');
    head.headers.add(kFields[pick % 4], input.substr(0, newline));
    pick /= 4;
    if (newline == std::string_view::npos) break;
    input.remove_prefix(newline + 1);
  }
  updraft::apply_proxy_headers(head, trusted);
  require(updraft::IpAddress::parse(head.remote_ip).has_value(), "an address that reads back");
  require(head.protocol == "http" || head.protocol == "https", "a scheme");
  std::string_view host = head.headers.get("host").value_or("");
  require(host == "internal:8000" || updraft::is_valid_host(host), "a valid Host");
  const std::string once = state(head);
  updraft::apply_proxy_headers(head, trusted);
  require(state(head) == once, "applying twice changes nothing more");
  return 0;
}
