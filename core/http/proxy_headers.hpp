// Proxy headers: what a trusted proxy says about the client (X-Forwarded-For/-Proto/-Host, or RFC 7239 Forwarded)
// applied to a request head, once, for native handlers and WSGI apps alike.
#pragma once

#include "core/http/request_head.hpp"
#include "core/http/trusted_proxies.hpp"

namespace updraft {

// For a request whose peer is trusted (the caller checks: once per connection). Its remote_ip and remote_port become
// the client's, its protocol the scheme the client used, its Host field the host the client asked for:
//  - X-Forwarded-For names the client: the right-most address not itself a trusted proxy (the left-most if all are),
//    as Tornado's xheaders do; X-Forwarded-Proto ("http" or "https") and X-Forwarded-Host: their last entry.
//  - Forwarded (RFC 7239) is used only when none of X-Forwarded-For/-Proto/-Host is present: most proxies (nginx,
//    cloud load balancers) set those and pass a client's Forwarded through untouched, so it must not override them.
//    Its hop is found the same way (the right-most element whose for= is not a trusted proxy), and that element's
//    for=, proto= and host= apply; "unknown" or an obfuscated for= leaves the address as it is.
// A malformed value is ignored (the head keeps what it had), and the fields themselves stay in the head.
void apply_proxy_headers(RequestHead& head, const TrustedProxies& trusted);

}  // namespace updraft
