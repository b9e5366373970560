// Accept-Encoding (RFC 9110 12.5.3): which content coding, of those updraft can send, a request's client takes best.
#pragma once

#include <cstdint>
#include <string_view>

namespace updraft {

// The content codings updraft sends (RFC 9110 8.4.1); identity is the body as it is.
enum class ContentCoding : std::uint8_t { identity, gzip, br };

// "gzip", "br" ("identity" for identity).
std::string_view content_coding_name(ContentCoding coding);

// The coding to answer with for an Accept-Encoding value: the one of gzip (x-gzip too) and br, each offered only if
// its flag says so, with the highest q-value above zero, br when they tie; a coding the list does not name takes the
// q-value of "*" if present, else it is not acceptable. q-values are honoured to their three decimals (q=0 refuses);
// a list item that is malformed (a bad q-value, no coding) is skipped, the rest still counts. identity when nothing
// offered is acceptable, also for an absent or empty header.
ContentCoding negotiate_content_coding(std::string_view accept_encoding, bool offer_gzip = true,
                                       bool offer_br = true);

}  // namespace updraft
