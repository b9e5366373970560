// Accept-Encoding: the list walked once, item by item (coding, then ;-parameters), q-values as thousandths.
#include "native/accept_encoding.hpp"

#include <optional>

#include "core/http/headers.hpp"

namespace updraft {

namespace {
constexpr int kNotListed = -1;

// RFC 9110 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
std::optional<int> parse_qvalue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  int value = (text[0] - '0') * 1000;
  if (text.size() == 1) return value;
  if (text[1] != '.' || text.size() > 5) return std::nullopt;
  int scale = 100;
  for (char c : text.substr(2)) {
    if (c < '0' || c > '9' || (value == 1000 && c != '0')) return std::nullopt;
    value += (c - '0') * scale;
    scale /= 10;
  }
  return value;
}

// One list item, "coding *( OWS ; OWS name=value )": its q-value in thousandths (1000 without one), or nothing when
// malformed.
std::optional<int> item_weight(std::string_view parameters) {
  int weight = 1000;
  while (!parameters.empty()) {
    auto next = parameters.find(';', 1);
    std::string_view parameter = trim_ows(parameters.substr(1, next == std::string_view::npos ? next : next - 1));
    parameters = next == std::string_view::npos ? std::string_view() : parameters.substr(next);
    auto equals = parameter.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    if (!iequals(trim_ows(parameter.substr(0, equals)), "q")) continue;  // another parameter: no meaning here
    auto q = parse_qvalue(trim_ows(parameter.substr(equals + 1)));
    if (!q) return std::nullopt;
    weight = *q;
  }
  return weight;
}
}  // namespace

std::string_view content_coding_name(ContentCoding coding) {
  switch (coding) {
    case ContentCoding::gzip:
      return "gzip";
    case ContentCoding::br:
      return "br";
    case ContentCoding::identity:
      break;
  }
  return "identity";
}

ContentCoding negotiate_content_coding(std::string_view accept_encoding, bool offer_gzip, bool offer_br) {
  int gzip = kNotListed, br = kNotListed, any = kNotListed;
  while (!accept_encoding.empty()) {
    auto comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding = comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    auto semicolon = item.find(';');
    std::string_view coding = trim_ows(item.substr(0, semicolon));
    if (coding.empty()) continue;
    auto weight = item_weight(semicolon == std::string_view::npos ? std::string_view() : item.substr(semicolon));
    if (!weight) continue;
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) gzip = *weight;
    else if (iequals(coding, "br")) br = *weight;
    else if (coding == "*") any = *weight;
  }
  if (gzip == kNotListed) gzip = any;
  if (br == kNotListed) br = any;
  if (!offer_gzip) gzip = 0;
  if (!offer_br) br = 0;
  if (br > 0 && br >= gzip) return ContentCoding::br;
  if (gzip > 0) return ContentCoding::gzip;
  return ContentCoding::identity;
}

}  // namespace updraft
