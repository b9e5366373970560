// Signed values in Tornado's version-2 format (its secure cookies): "2|1:KEYVERSION|10:TIMESTAMP|4:NAME|8:BASE64|SIG",
// SIG the hex HMAC-SHA256 of everything before it, so values pass between updraft and Tornado with the same secret.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace updraft {

// Tornado's cookie_secret: one secret, or secrets by key version with the one that signs (its key_version setting),
// so a secret can be rotated while values signed with the old one still verify.
class CookieSecret {
 public:
  // One secret: signs with key version 0 and verifies values of any key version, as Tornado does.
  explicit CookieSecret(std::string secret);
  // Secrets by key version: signs with key_version, verifies values whose key version is in the map. Throws
  // std::invalid_argument when key_version is not in the map. An empty secret is refused too.
  CookieSecret(std::map<int, std::string> secrets, int key_version);

  int key_version() const { return key_version_; }
  const std::string& signing_secret() const { return secrets_.at(key_version_); }
  // The secret that verifies a value signed with key_version, if any.
  const std::string* verifying_secret(int key_version) const;

 private:
  std::map<int, std::string> secrets_;
  int key_version_;
  bool versioned_;
};

// Signs value under name, stamped with now (Tornado's create_signed_value, version 2).
std::string create_signed_value(const CookieSecret& secret, std::string_view name, std::string_view value,
                                std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// The value signed_value carries if it is a version-2 value for name, its signature verifies (compared in constant
// time) and it was signed less than max_age_days before now (Tornado's decode_signed_value); otherwise nullopt.
// Version 1 values (HMAC-SHA1, Tornado before 3.2.1) are never accepted.
std::optional<std::string> decode_signed_value(
    const CookieSecret& secret, std::string_view name, std::string_view signed_value, double max_age_days = 31,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace updraft
