// Fuzz target: the untrusted bytes of a Cookie header. parse_cookie_header never fails and gives unique legal names;
// what format_set_cookie accepts reads back unchanged, and it refuses every other value; each value run through the
// signed-value and XSRF-token readers: a signed input verifies back to itself, a decoded token re-encodes to itself.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include "native/cookies.hpp"
#include "native/signed_value.hpp"
#include "native/xsrf.hpp"

using namespace updraft;

namespace {
void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "cookie invariant broken: %s\n", what);
  std::abort();
}

bool is_cookie_octets(const std::string& value) {
  for (unsigned char c : value)
    if (c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\') return false;
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return 0;
  static const CookieSecret secret({{1, "old"}, {2, "new"}}, 2);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  const std::string header(reinterpret_cast<const char*>(data), size);

  Cookies cookies = parse_cookie_header(header);
  std::set<std::string> names;
  std::string legal_header;
  Cookies legal;
  for (const auto& [name, value] : cookies) {
    require(is_cookie_name(name), "every name is a cookie name");
    require(names.insert(name).second, "names are unique");
    try {
      std::string line = format_set_cookie(name, value, {.path = ""});
      require(is_cookie_octets(value), "only cookie-octet values are accepted");
      require(line == name + "=" + value, "a bare cookie is name=value");
      legal_header.append(legal_header.empty() ? "" : "; ").append(line);
      legal.emplace_back(name, value);
    } catch (const std::invalid_argument&) {
      require(!is_cookie_octets(value), "cookie-octet values are accepted");
    }

    auto signed_back = decode_signed_value(secret, name, create_signed_value(secret, name, value, now), 31, now);
    require(signed_back == value, "a signed value verifies to itself");
    require(!decode_signed_value(secret, name, value, 31, now) || value.starts_with("2|1:"), "only v2 verifies");

    if (auto token = decode_xsrf_token(value); token && value.starts_with("2|")) {
      auto again = decode_xsrf_token(encode_xsrf_token(*token, std::string_view("\x5a\xa5\x00\xff", 4)));
      require(again && again->bytes == token->bytes && again->timestamp == token->timestamp, "token round trip");
    }
  }
  require(parse_cookie_header(legal_header) == legal, "what we would set reads back the same");
  return 0;
}
