// Signed values: Tornado's version-2 fields, written and read with length prefixes, signed with HMAC-SHA256.
#include "native/signed_value.hpp"

#include <charconv>
#include <cstdint>
#include <stdexcept>

#include "native/crypto.hpp"
#include "native/escape.hpp"

namespace updraft {

namespace {
void append_field(std::string& out, std::string_view field) {
  out.append(std::to_string(field.size())).append(":").append(field).append("|");
}

// A decimal number as Tornado writes one: digits only, no sign, no leading zero (but "0" itself).
std::optional<std::int64_t> parse_number(std::string_view text) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  std::int64_t n = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (error != std::errc() || end != text.data() + text.size() || n < 0) return std::nullopt;
  return n;
}

// Takes "LENGTH:FIELD|" off the front of rest.
std::optional<std::string_view> take_field(std::string_view& rest) {
  std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto length = parse_number(rest.substr(0, colon));
  rest.remove_prefix(colon + 1);
  if (!length || std::uint64_t(*length) >= rest.size() || rest[std::size_t(*length)] != '|') return std::nullopt;
  std::string_view field = rest.substr(0, std::size_t(*length));
  rest.remove_prefix(field.size() + 1);
  return field;
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point time) {
  return std::chrono::floor<std::chrono::seconds>(time).time_since_epoch().count();
}
}  // namespace

CookieSecret::CookieSecret(std::string secret) : CookieSecret({{0, std::move(secret)}}, 0) { versioned_ = false; }

CookieSecret::CookieSecret(std::map<int, std::string> secrets, int key_version)
    : secrets_(std::move(secrets)), key_version_(key_version), versioned_(true) {
  if (!secrets_.contains(key_version))
    throw std::invalid_argument("cookie_secret has no secret for key_version " + std::to_string(key_version));
  for (const auto& [version, secret] : secrets_)
    if (secret.empty()) throw std::invalid_argument("cookie_secret is empty for key version " + std::to_string(version));
}

const std::string* CookieSecret::verifying_secret(int key_version) const {
  if (!versioned_) return &secrets_.begin()->second;
  auto found = secrets_.find(key_version);
  return found == secrets_.end() ? nullptr : &found->second;
}

std::string create_signed_value(const CookieSecret& secret, std::string_view name, std::string_view value,
                                std::chrono::system_clock::time_point now) {
  std::string out = "2|";
  append_field(out, std::to_string(secret.key_version()));
  append_field(out, std::to_string(unix_seconds(now)));
  append_field(out, name);
  append_field(out, base64_encode(value));
  out.append(hex_encode(hmac_sha256(secret.signing_secret(), out)));
  return out;
}

std::optional<std::string> decode_signed_value(const CookieSecret& secret, std::string_view name,
                                               std::string_view signed_value, double max_age_days,
                                               std::chrono::system_clock::time_point now) {
  if (!signed_value.starts_with("2|")) return std::nullopt;
  std::string_view rest = signed_value.substr(2);
  auto key_version_field = take_field(rest);
  auto timestamp_field = key_version_field ? take_field(rest) : std::nullopt;
  auto name_field = timestamp_field ? take_field(rest) : std::nullopt;
  auto value_field = name_field ? take_field(rest) : std::nullopt;
  if (!value_field) return std::nullopt;
  std::string_view signature = rest;
  std::string_view signed_part = signed_value.substr(0, signed_value.size() - signature.size());

  auto key_version = parse_number(*key_version_field);
  if (!key_version || *key_version > INT32_MAX) return std::nullopt;
  const std::string* key = secret.verifying_secret(static_cast<int>(*key_version));
  if (!key || !constant_time_equals(signature, hex_encode(hmac_sha256(*key, signed_part)))) return std::nullopt;
  if (*name_field != name) return std::nullopt;
  auto timestamp = parse_number(*timestamp_field);
  if (!timestamp || double(*timestamp) < double(unix_seconds(now)) - max_age_days * 86400) return std::nullopt;
  return base64_decode(*value_field);
}

}  // namespace updraft
