// URL helpers on Boost.URL; lenient input is first made valid for its grammar, so one decoder serves everything.
#include "core/http/url.hpp"

#include <algorithm>

#include <boost/url/encode.hpp>
#include <boost/url/grammar/hexdig_chars.hpp>
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

}  // namespace

// Empty input returns early: Boost.URL 1.81 reads a null data() as a C string.
std::string url_unescape(std::string_view s, bool plus_as_space) {
  if (s.empty()) return {};
  if (auto valid = urls::make_pct_string_view(s)) return valid->decode(form_options(plus_as_space));
  return urls::make_pct_string_view(escape_strays(s))->decode(form_options(plus_as_space));
}

std::string url_escape(std::string_view s) { return urls::encode(s, urls::unreserved_chars); }

// Split by hand rather than with Boost.URL's query grammar, which cost 1,500 instructions for "url=http://host/" (6 % of
// a proxied request); a key or value with nothing to decode (no '%', no '+') is copied without the decoder.
void parse_query(std::string_view query, Arguments& args) {
  auto decode = [](std::string_view s) {
    const bool as_is = std::none_of(s.begin(), s.end(), [](char c) { return c == '%' || c == '+'; });
    return as_is ? std::string(s) : url_unescape(s, true);
  };
  while (!query.empty()) {
    const std::size_t end = std::min(query.find('&'), query.size());
    const std::string_view param = query.substr(0, end);
    query.remove_prefix(std::min(end + 1, query.size()));
    if (param.empty()) continue;  // "a=1&&b=2"
    const std::size_t equals = param.find('=');
    if (equals == std::string_view::npos) {
      args.emplace_back(decode(param), std::string());
    } else {
      args.emplace_back(decode(param.substr(0, equals)), decode(param.substr(equals + 1)));
    }
  }
}

}  // namespace updraft
