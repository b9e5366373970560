// HTTP dates with gmtime_r/strftime and strptime/timegm in the C locale's English names.
#include "native/http_date.hpp"

#include <time.h>

namespace updraft {

std::string format_http_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::size_t n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(text, n);
}

std::optional<std::time_t> parse_http_date(std::string_view text) {
  if (text.size() > 64) return std::nullopt;
  std::string copy(text);  // strptime wants a terminated string
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = ::strptime(copy.c_str(), format, &tm);
    if (end && *end == '\0') return ::timegm(&tm);
  }
  return std::nullopt;
}

}  // namespace updraft
