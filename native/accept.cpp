// Content negotiation on the Accept header: media ranges with their qvalues.
#include "native/accept.hpp"

#include "core/http/headers.hpp"

namespace updraft {

namespace {
// An RFC 9110 qvalue: "0" or "1", optionally followed by '.' and up to three digits (only zeros after a 1).
std::optional<double> parse_qvalue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  double value = text[0] - '0';
  if (text.size() == 1) return value;
  if (text[1] != '.' || text.size() > 5) return std::nullopt;
  double scale = 0.1;
  for (char c : text.substr(2)) {
    if (c < '0' || c > '9' || (value >= 1 && c != '0')) return std::nullopt;
    value += (c - '0') * scale;
    scale /= 10;
  }
  return value;
}

// The qvalue of a range's parameters ("; q=0.5"); 1 without one; nullopt when it is malformed.
std::optional<double> range_quality(std::string_view parameters) {
  while (!parameters.empty()) {
    auto semicolon = parameters.find(';');
    std::string_view parameter = trim_ows(parameters.substr(0, semicolon));
    if (parameter.size() >= 2 && (parameter[0] == 'q' || parameter[0] == 'Q') && parameter[1] == '=')
      return parse_qvalue(parameter.substr(2));
    if (semicolon == std::string_view::npos) break;
    parameters.remove_prefix(semicolon + 1);
  }
  return 1.0;
}

// 2 for the media type itself, 1 for its type/*, 0 for */*, -1 for a range that does not match it.
int specificity(std::string_view range, std::string_view media_type) {
  if (iequals(range, media_type)) return 2;
  if (range == "*/*") return 0;
  auto slash = media_type.find('/');
  bool type_wildcard = range.size() == slash + 2 && range.ends_with("/*") &&
                       iequals(range.substr(0, slash), media_type.substr(0, slash));
  return type_wildcard ? 1 : -1;
}
struct Match {
  double quality = 0;
  int specificity = -1;  // of the range that gave it; -1 for none
};

Match best_match(std::string_view accept, std::string_view media_type) {
  int best_specificity = -1;
  double quality = 0;
  while (!accept.empty()) {
    auto comma = accept.find(',');
    std::string_view element = accept.substr(0, comma);
    auto semicolon = element.find(';');
    int s = specificity(trim_ows(element.substr(0, semicolon)), media_type);
    if (s > best_specificity) {
      best_specificity = s;
      quality = range_quality(semicolon == std::string_view::npos ? std::string_view() : element.substr(semicolon + 1))
                    .value_or(0);
    }
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return {quality, best_specificity};
}
}  // namespace

double accept_quality(std::string_view accept, std::string_view media_type) {
  return best_match(accept, media_type).quality;
}

bool prefers_json(std::optional<std::string_view> accept) {
  if (!accept) return false;
  Match json = best_match(*accept, "application/json");
  Match html = best_match(*accept, "text/html");
  if (json.quality != html.quality) return json.quality > html.quality;
  return json.quality > 0 && json.specificity > html.specificity;  // named outright beats granted by a wildcard
}

}  // namespace updraft
