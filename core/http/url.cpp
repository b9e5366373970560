// URL helpers on Boost.URL; lenient input is first made valid for its grammar, so one decoder serves everything.
#include "core/http/url.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/grammar/hexdig_chars.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace updraft {

namespace urls = boost::urls;

namespace {
// The text with a stray '%' and every byte a query may not hold percent-encoded and valid %XX escapes kept, so
// that what browsers and Python's parse_qs take (a lone '%', a raw space in a form body) parses as they read it.
std::string escape_strays(std::string_view s) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool escape = c == '%' && i + 2 < s.size() && urls::grammar::hexdig_chars(s[i + 1]) &&
                        urls::grammar::hexdig_chars(s[i + 2]);
    if (escape || urls::pchars(c) || c == '/' || c == '?') {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.append({'%', digits[byte >> 4], digits[byte & 15]});
    }
  }
  return out;
}

urls::encoding_opts form_options(bool plus_as_space) {
  urls::encoding_opts options;
  options.space_as_plus = plus_as_space;
  return options;
}

// A key or value with nothing to decode (no %XX escape, no '+') is copied as it is, without Boost.URL's decoder.
std::string decode_form(urls::pct_string_view s, const urls::encoding_opts& options) {
  const bool as_is = s.decoded_size() == s.size() && s.find('+') == urls::pct_string_view::npos;
  if (as_is) return std::string(s.data(), s.size());
  return s.decode(options);
}
}  // namespace

// Empty input returns early: Boost.URL 1.81 reads a null data() as a C string.
std::string url_unescape(std::string_view s, bool plus_as_space) {
  if (s.empty()) return {};
  if (auto valid = urls::make_pct_string_view(s)) return valid->decode(form_options(plus_as_space));
  return urls::make_pct_string_view(escape_strays(s))->decode(form_options(plus_as_space));
}

std::string url_escape(std::string_view s) { return urls::encode(s, urls::unreserved_chars); }

void parse_query(std::string_view query, Arguments& args) {
  if (query.empty()) return;
  const auto options = form_options(true);
  std::string repaired;  // only for a query Boost.URL's grammar refuses as it is
  auto params = urls::parse_query(query);
  if (!params) params = urls::parse_query(repaired = escape_strays(query));
  for (auto param : params.value()) {
    if (param.key.empty() && !param.has_value) continue;  // "a=1&&b=2"
    args.emplace_back(decode_form(param.key, options), decode_form(param.value, options));
  }
}

}  // namespace updraft
