// HTTP dates (RFC 9110 5.6.7): formatting Last-Modified and Expires, parsing If-Modified-Since.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace updraft {

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::time_t t);
// Any of the three formats a recipient must accept (IMF-fixdate, RFC 850, asctime); nothing for anything else.
std::optional<std::time_t> parse_http_date(std::string_view text);

}  // namespace updraft
