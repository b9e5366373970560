// The cryptography cookies need, from OpenSSL: HMAC-SHA256, random bytes, a constant-time comparison.
#pragma once

#include <string>
#include <string_view>

namespace updraft {

// The 32-byte HMAC-SHA256 of data under key.
std::string hmac_sha256(std::string_view key, std::string_view data);
// n bytes from OpenSSL's RAND_bytes; throws std::runtime_error when it cannot give them.
std::string random_bytes(std::size_t n);
// Whether a and b are equal, in a time that depends on their lengths only (Python's hmac.compare_digest).
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace updraft
