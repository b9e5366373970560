// Forwarded (RFC 7239) and X-Forwarded-For/-Proto/-Host values, read as untrusted text: what each says, or nothing
// for what is malformed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/ip_address.hpp"

namespace updraft {

// A client as a proxy names it: a Forwarded "for=" value or an X-Forwarded-For entry.
struct ForwardedNode {
  std::optional<IpAddress> address;  // none for "unknown" or an obfuscated identifier ("_hidden")
  std::uint16_t port = 0;            // 0: none given, or obfuscated
};

// One element of a Forwarded field: one hop, as the proxy that added it received the request.
struct ForwardedElement {
  std::optional<ForwardedNode> client;  // for=, when present and well formed
  std::string_view proto;               // "http" or "https" (static text) when proto= names one, else empty
  std::string host;                     // host= when present and a valid host, else empty
};

// Every element of a Forwarded field value (several fields joined with ','), or nothing if it is malformed anywhere:
// a pair that is not token=token or token="quoted string", a parameter twice in one element. Empty elements are
// skipped; parameters other than for, proto and host are ignored; whitespace may surround ',' and ';'.
std::optional<std::vector<ForwardedElement>> parse_forwarded(std::string_view value);

// RFC 7239 section 6 node: 192.0.2.1, 192.0.2.1:8080, [2001:db8::1], [2001:db8::1]:8080, unknown, _obfuscated,
// each with an optional port or obfuscated port.
std::optional<ForwardedNode> parse_forwarded_node(std::string_view text);

// An X-Forwarded-For entry: 192.0.2.1, 2001:db8::1, [2001:db8::1], with :port after an IPv4 or bracketed address
// (as some load balancers send), or unknown.
std::optional<ForwardedNode> parse_x_forwarded_for_entry(std::string_view text);

// "http" or "https" (static text) for a scheme that names one, whatever its case; else empty.
std::string_view forwarded_proto(std::string_view text);

// Whether text is a Host value: a name of letters, digits, '-', '.', '_' and '~', an IPv4 address or a bracketed
// IPv6 address, with an optional port (at most 255 bytes).
bool is_valid_host(std::string_view text);

// The comma-separated entries of a list field, in order, with the whitespace around each removed.
std::vector<std::string_view> split_list(std::string_view value);

}  // namespace updraft
