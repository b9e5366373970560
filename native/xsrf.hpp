// XSRF tokens in Tornado's masked version-2 format, "2|MASK|MASKED_TOKEN|TIMESTAMP" (hex, a fresh 4-byte mask each
// time so a compressed page never repeats the token's bytes: BREACH), readable by Tornado and from Tornado.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace updraft {

// The secret behind the _xsrf cookie and the tokens made from it: random bytes and when they were made.
struct XsrfToken {
  std::string bytes;
  std::int64_t timestamp = 0;  // seconds from the epoch
};

// A new token: 16 bytes from RAND_bytes, stamped now.
XsrfToken new_xsrf_token();

// The token masked with mask (4 bytes; by default fresh random ones) in version-2 form.
std::string encode_xsrf_token(const XsrfToken& token, std::string_view mask = {});

// The token a cookie or a submitted value carries (Tornado's _decode_xsrf_token): version 2 as encoded above, or,
// without a version, Tornado's version 1 (the token's hex, or the token itself; timestamp 0); nullopt for any other
// version or a malformed version 2.
std::optional<XsrfToken> decode_xsrf_token(std::string_view text);

// The hidden form field carrying token (Tornado's xsrf_form_html), HTML-escaped.
std::string xsrf_form_html(std::string_view encoded_token);

}  // namespace updraft
