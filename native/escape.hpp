// Escapes and byte encodings, as tornado.escape: HTML escaping, hex and base64 (strict decoders).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace updraft {

// Escapes &, <, >, " and ' for HTML text and attribute values (Tornado's xhtml_escape).
std::string xhtml_escape(std::string_view text);

// Lower-case hex of bytes; the decoder takes either case and refuses an odd length or a non-hex digit.
std::string hex_encode(std::string_view bytes);
// A hex digit's value (either case), or -1.
int hex_value(char c);
std::optional<std::string> hex_decode(std::string_view hex);

// Standard base64 with padding (RFC 4648 section 4); the decoder takes only what the encoder writes.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace updraft
