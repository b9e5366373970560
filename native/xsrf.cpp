// XSRF tokens: masking with XOR, the version-2 text form and its reader.
#include "native/xsrf.hpp"

#include <chrono>
#include <charconv>
#include <stdexcept>

#include "native/crypto.hpp"
#include "native/escape.hpp"

namespace updraft {

namespace {
constexpr std::size_t kMaskSize = 4;

std::string apply_mask(std::string_view mask, std::string_view bytes) {
  std::string out(bytes);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(out[i] ^ mask[i % kMaskSize]);
  return out;
}

// "[1-9][0-9]*|" at the front, as Tornado's _signed_value_version_re.
bool has_version_prefix(std::string_view text) {
  std::size_t bar = text.find('|');
  if (bar == 0 || bar == std::string_view::npos || text[0] == '0') return false;
  return text.substr(0, bar).find_first_not_of("0123456789") == std::string_view::npos;
}

std::optional<std::int64_t> parse_timestamp(std::string_view text) {
  std::int64_t n = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}
}  // namespace

XsrfToken new_xsrf_token() {
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return {random_bytes(16), now.time_since_epoch().count()};
}

std::string encode_xsrf_token(const XsrfToken& token, std::string_view mask) {
  std::string fresh_mask = mask.empty() ? random_bytes(kMaskSize) : std::string(mask);
  if (fresh_mask.size() != kMaskSize) throw std::invalid_argument("an XSRF mask is 4 bytes");
  return "2|" + hex_encode(fresh_mask) + "|" + hex_encode(apply_mask(fresh_mask, token.bytes)) + "|" +
         std::to_string(token.timestamp);
}

std::optional<XsrfToken> decode_xsrf_token(std::string_view text) {
  if (!has_version_prefix(text)) {
    auto bytes = hex_decode(text);
    return XsrfToken{bytes ? std::move(*bytes) : std::string(text), 0};
  }
  if (!text.starts_with("2|")) return std::nullopt;
  std::string_view rest = text.substr(2);
  std::size_t bar1 = rest.find('|');
  std::size_t bar2 = bar1 == std::string_view::npos ? bar1 : rest.find('|', bar1 + 1);
  if (bar2 == std::string_view::npos || rest.find('|', bar2 + 1) != std::string_view::npos) return std::nullopt;
  auto mask = hex_decode(rest.substr(0, bar1));
  auto masked = hex_decode(rest.substr(bar1 + 1, bar2 - bar1 - 1));
  auto timestamp = parse_timestamp(rest.substr(bar2 + 1));
  if (!mask || mask->size() != kMaskSize || !masked || !timestamp) return std::nullopt;
  return XsrfToken{apply_mask(*mask, *masked), *timestamp};
}

std::string xsrf_form_html(std::string_view encoded_token) {
  return "<input type=\"hidden\" name=\"_xsrf\" value=\"" + xhtml_escape(encoded_token) + "\"/>";
}

}  // namespace updraft
