// What a RequestHandler keeps about cookies during one request, made on first use (internal to native/).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "native/cookies.hpp"
#include "native/request_handler.hpp"
#include "native/xsrf.hpp"

namespace updraft {

struct RequestHandler::CookieState {
  std::optional<Cookies> request_cookies;                              // parsed once asked for
  std::vector<std::pair<std::string, std::string>> set_cookie_lines;  // name, Set-Cookie value
  std::optional<XsrfToken> raw_xsrf_token;  // the _xsrf cookie's, or a new one (then new_xsrf_cookie)
  bool new_xsrf_cookie = false;
  std::string xsrf_token;  // masked, once asked for
};

}  // namespace updraft
