// Proxy headers: the hop walk over X-Forwarded-For or Forwarded, then the client's address, scheme and host.
#include "core/http/proxy_headers.hpp"

#include "core/http/forwarded.hpp"

namespace updraft {

namespace {
// The index of the hop that names the client: from the right, past every hop that names a trusted proxy.
template <class Hops, class Address>
std::size_t client_hop(const Hops& hops, const TrustedProxies& trusted, Address address_of) {
  std::size_t i = hops.size() - 1;
  while (i > 0) {
    const std::optional<IpAddress>* address = address_of(hops[i]);
    if (!address || !*address || !trusted.contains(**address)) break;
    --i;
  }
  return i;
}

void set_client(RequestHead& head, const std::optional<ForwardedNode>& node) {
  if (!node || !node->address) return;
  head.remote_ip = node->address->to_string();
  head.remote_port = node->port;
}

void set_host(RequestHead& head, std::string_view host) {
  if (!host.empty()) head.headers.set("Host", std::string(host));  // a copy: host may lie in the fields' storage
}

void apply_x_forwarded(RequestHead& head, const TrustedProxies& trusted) {
  if (auto value = head.headers.get_joined("x-forwarded-for")) {
    std::vector<std::string_view> entries = split_list(*value);
    if (!entries.empty()) {
      std::vector<std::optional<ForwardedNode>> nodes;
      for (std::string_view entry : entries) nodes.push_back(parse_x_forwarded_for_entry(entry));
      auto address_of = [](const std::optional<ForwardedNode>& n) { return n ? &n->address : nullptr; };
      set_client(head, nodes[client_hop(nodes, trusted, address_of)]);
    }
  }
  if (auto value = head.headers.get_joined("x-forwarded-proto")) {
    std::vector<std::string_view> entries = split_list(*value);
    if (!entries.empty())
      if (std::string_view proto = forwarded_proto(entries.back()); !proto.empty()) head.protocol = proto;
  }
  if (auto value = head.headers.get_joined("x-forwarded-host")) {
    std::vector<std::string_view> entries = split_list(*value);
    if (!entries.empty() && is_valid_host(entries.back())) set_host(head, entries.back());
  }
}

void apply_forwarded(RequestHead& head, const TrustedProxies& trusted, std::string_view value) {
  auto elements = parse_forwarded(value);
  if (!elements || elements->empty()) return;
  auto address_of = [](const ForwardedElement& e) { return e.client ? &e.client->address : nullptr; };
  const ForwardedElement& hop = (*elements)[client_hop(*elements, trusted, address_of)];
  set_client(head, hop.client);
  if (!hop.proto.empty()) head.protocol = hop.proto;
  set_host(head, hop.host);
}
}  // namespace

void apply_proxy_headers(RequestHead& head, const TrustedProxies& trusted) {
  const HeaderList& h = head.headers;
  if (h.contains("x-forwarded-for") || h.contains("x-forwarded-proto") || h.contains("x-forwarded-host"))
    return apply_x_forwarded(head, trusted);
  if (auto value = h.get_joined("forwarded")) apply_forwarded(head, trusted, *value);
}

}  // namespace updraft
