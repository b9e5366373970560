// Content negotiation on the Accept header (RFC 9110 12.5.1): how much a client wants one media type.
#pragma once

#include <optional>
#include <string_view>

namespace updraft {

// The quality (0 to 1) that the Accept value gives media_type ("type/subtype"), from its most specific range that
// matches (type/subtype, then type/*, then */*); 0 when none matches. Ranges and parameters compare without case; a
// malformed qvalue makes its range count as not acceptable.
double accept_quality(std::string_view accept, std::string_view media_type);

// True when the client wants application/json more than text/html (Accept: application/json, as API clients send):
// a higher quality, or the same one from a more specific range ("application/json, */*"). False without an Accept
// header, for */* and for what browsers send.
bool prefers_json(std::optional<std::string_view> accept);

}  // namespace updraft
