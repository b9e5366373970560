// RequestHandler's cookies, signed cookies and XSRF protection (Tornado's names and checks).
#include <stdexcept>

#include "core/http/headers.hpp"
#include "native/application.hpp"
#include "native/cookie_state.hpp"
#include "native/crypto.hpp"
#include "native/signed_value.hpp"
#include "native/xsrf.hpp"

namespace updraft {

namespace {
const CookieSecret& require_cookie_secret(const Application& app) {
  if (!app.cookie_secret()) throw std::logic_error("signed cookies need the application's cookie_secret");
  return *app.cookie_secret();
}
}  // namespace

RequestHandler::CookieState& RequestHandler::cookie_state() {
  if (!cookie_state_) cookie_state_ = std::make_unique<CookieState>();
  return *cookie_state_;
}

// Several Cookie fields (HTTP/2 splits them; some HTTP/1.1 clients send more than one) are one list, joined by "; ".
const Cookies& RequestHandler::cookies() {
  auto& state = cookie_state();
  if (!state.request_cookies) {
    std::string joined;
    for (auto field : head_->headers) {
      if (!iequals(field.name, "cookie")) continue;
      if (!joined.empty()) joined.append("; ");
      joined.append(field.value);
    }
    state.request_cookies = parse_cookie_header(joined);
  }
  return *state.request_cookies;
}

std::optional<std::string> RequestHandler::get_cookie(std::string_view name) {
  for (const auto& [cookie_name, value] : cookies())
    if (cookie_name == name) return value;
  return std::nullopt;
}

std::string RequestHandler::get_cookie(std::string_view name, std::string_view default_value) {
  auto value = get_cookie(name);
  return value ? std::move(*value) : std::string(default_value);
}

void RequestHandler::set_cookie(std::string_view name, std::string_view value, const CookieOptions& options) {
  if (headers_written_) throw std::logic_error("cannot set cookie " + std::string(name) + ": headers already sent");
  std::string line = format_set_cookie(name, value, options);
  auto& lines = cookie_state().set_cookie_lines;
  std::erase_if(lines, [&](const auto& entry) { return entry.first == name; });
  lines.emplace_back(std::string(name), std::move(line));
}

void RequestHandler::clear_cookie(std::string_view name, std::string_view path, std::string_view domain) {
  CookieOptions options{.path = std::string(path), .domain = std::string(domain)};
  options.expires_days = -365;
  set_cookie(name, "", options);
}

void RequestHandler::add_cookie_headers() {
  if (!cookie_state_) return;
  for (const auto& [name, line] : cookie_state_->set_cookie_lines) headers().add("Set-Cookie", line);
}

void RequestHandler::set_signed_cookie(std::string_view name, std::string_view value,
                                       std::optional<double> expires_days, CookieOptions options) {
  options.expires_days = expires_days;
  set_cookie(name, create_signed_value(require_cookie_secret(*app_), name, value), options);
}

std::optional<std::string> RequestHandler::get_signed_cookie(std::string_view name, double max_age_days) {
  const CookieSecret& secret = require_cookie_secret(*app_);
  auto value = get_cookie(name);
  if (!value) return std::nullopt;
  return decode_signed_value(secret, name, *value, max_age_days);
}

const std::string& RequestHandler::xsrf_token() {
  auto& state = cookie_state();
  if (!state.raw_xsrf_token) {
    auto cookie = get_cookie("_xsrf");
    if (cookie && !cookie->empty()) state.raw_xsrf_token = decode_xsrf_token(*cookie);
    if (!state.raw_xsrf_token) {
      state.raw_xsrf_token = new_xsrf_token();
      state.new_xsrf_cookie = true;
    }
  }
  if (state.xsrf_token.empty()) {
    state.xsrf_token = encode_xsrf_token(*state.raw_xsrf_token);
    if (state.new_xsrf_cookie) set_cookie("_xsrf", state.xsrf_token, app_->xsrf_cookie_options());
  }
  return state.xsrf_token;
}

std::string RequestHandler::xsrf_form_html() { return updraft::xsrf_form_html(xsrf_token()); }

void RequestHandler::check_xsrf_cookie() {
  std::string submitted = get_argument("_xsrf", "");
  for (std::string_view field : {"X-XSRFToken", "X-CSRFToken"})
    if (submitted.empty()) submitted = header(field).value_or("");
  if (submitted.empty())
    throw HTTPError(403, "'_xsrf' argument missing from " + std::string(method()),
                    "XSRF token missing: send the _xsrf form field or the X-XSRFToken header");
  auto token = decode_xsrf_token(submitted);
  if (!token || token->bytes.empty())
    throw HTTPError(403, "'_xsrf' argument has invalid format", "XSRF token malformed");
  auto cookie = get_cookie("_xsrf");
  auto expected = cookie && !cookie->empty() ? decode_xsrf_token(*cookie) : std::nullopt;
  if (!expected || !constant_time_equals(token->bytes, expected->bytes))
    throw HTTPError(403, "XSRF cookie does not match " + std::string(method()) + " argument",
                    "XSRF token does not match the _xsrf cookie");
}

}  // namespace updraft
