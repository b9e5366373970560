// RequestHead's method: a static name for the methods servers and WebDAV define, a copy for any other token.
#include "core/http/request_head.hpp"

#include <array>

namespace updraft {

void RequestHead::set_method(std::string_view name) {
  static constexpr std::array<std::string_view, 20> kNamed = {
      "GET",     "POST",  "HEAD",  "PUT",    "DELETE", "OPTIONS",  "PATCH",     "TRACE", "CONNECT", "PROPFIND",
      "PROPPATCH", "MKCOL", "COPY", "MOVE",  "LOCK",   "UNLOCK",   "SEARCH",    "REPORT", "PURGE",  "QUERY"};
  for (std::string_view named : kNamed) {
    if (named == name) {
      method = named;
      return;
    }
  }
  rare_method_ = std::make_unique<std::string>(name);
  method = *rare_method_;
}

}  // namespace updraft
