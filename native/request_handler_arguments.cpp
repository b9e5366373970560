// RequestHandler's arguments: query and form-body arguments (urlencoded or multipart, parsed as the body arrives),
// typed get_argument<T>, uploaded files, and the body as JSON.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <type_traits>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "native/multipart_form.hpp"
#include "native/request_handler.hpp"

namespace updraft {

namespace {
std::vector<std::string> values_of(const Arguments& arguments, std::string_view name) {
  std::vector<std::string> values;
  for (const auto& [key, value] : arguments)
    if (key == name) values.push_back(value);
  return values;
}

// The last value of name, or null (a view: get_argument converts it without a copy first).
const std::string* find_last(const Arguments& arguments, std::string_view name) {
  auto found = std::find_if(arguments.rbegin(), arguments.rend(), [&](const auto& a) { return a.first == name; });
  return found == arguments.rend() ? nullptr : &found->second;
}

std::optional<std::string> last_value_of(const Arguments& arguments, std::string_view name) {
  if (const std::string* value = find_last(arguments, name)) return *value;
  return std::nullopt;
}

// The message is the error page's reason too, so that the client learns which argument was wrong.
HTTPError bad_request(std::string message) { return HTTPError(400, message, message); }

HTTPError missing(std::string_view name) { return bad_request("Missing argument " + std::string(name)); }

HTTPError malformed(std::string_view name, std::string_view expected) {
  return bad_request("Malformed argument " + std::string(name) + ": not " + std::string(expected));
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

template <typename T>
T convert(std::string_view name, const std::string& text) {
  if constexpr (std::is_same_v<T, std::string>) {
    return text;
  } else if constexpr (std::is_same_v<T, bool>) {
    for (std::string_view yes : {"1", "true", "yes", "on"})
      if (equals_ignoring_case(text, yes)) return true;
    for (std::string_view no : {"0", "false", "no", "off"})
      if (equals_ignoring_case(text, no)) return false;
    throw malformed(name, "a boolean");
  } else if constexpr (std::is_integral_v<T>) {
    T value{};
    const char* end = text.data() + text.size();
    const char* begin = text.data() + (text.size() > 1 && text[0] == '+' && text[1] != '-');  // "+5", as Python's int()
    auto [stop, error] = std::from_chars(begin, end, value);
    if (text.empty() || error != std::errc() || stop != end) throw malformed(name, "an integer in range");
    return value;
  } else {
    static_assert(std::is_floating_point_v<T>, "get_argument<T>: T is std::string, bool, an integer or a float");
    // strtod (not from_chars, which GCC 12 lacks for floats) on a copy that ends where the argument does.
    char* stop = nullptr;
    const double value = std::strtod(text.c_str(), &stop);
    const bool whole = !text.empty() && !std::isspace(static_cast<unsigned char>(text[0])) &&
                       stop == text.c_str() + text.size();
    if (!whole || !std::isfinite(value) || std::abs(value) > std::numeric_limits<T>::max())
      throw malformed(name, "a number in range");
    return static_cast<T>(value);
  }
}
}  // namespace

void RequestHandler::buffer_body(std::string_view chunk) {
  if (MultipartForm* form = multipart_form()) return form->feed(chunk);
  body_.append(chunk);
}

bool RequestHandler::multipart_body() const {
  auto type = head_->headers.get("content-type");
  return type && equals_ignoring_case(type->substr(0, 19), "multipart/form-data");
}

MultipartForm* RequestHandler::multipart_form() {
  if (!body_type_checked_) {
    body_type_checked_ = true;
    if (multipart_body()) {
      if (auto boundary = multipart_boundary(*head_->headers.get("content-type")))
        multipart_ = std::make_unique<MultipartForm>(*boundary);
    }
  }
  return multipart_.get();
}

void RequestHandler::finish_body() {
  MultipartForm* form = multipart_form();
  if (!form && multipart_body())
    throw bad_request("Malformed multipart/form-data body: no valid boundary in its Content-Type");
  if (!form) return;
  form->finish();
  if (form->error()) throw bad_request(*form->error());
}

void RequestHandler::parse_arguments() {
  if (arguments_parsed_) return;
  arguments_parsed_ = true;
  parse_query(head_->query(), query_arguments_);
  auto type = head_->headers.get("content-type");
  if (type && type->substr(0, 33) == "application/x-www-form-urlencoded") parse_query(body_, body_arguments_);
  if (multipart_) body_arguments_ = multipart_->fields();
}

const UploadedFiles& RequestHandler::files() const {
  static const UploadedFiles none;
  return multipart_ ? multipart_->files() : none;
}

std::string RequestHandler::get_argument(std::string_view name) { return get_argument<std::string>(name); }

std::string RequestHandler::get_argument(std::string_view name, std::string_view default_value) {
  return get_argument<std::string>(name, std::string(default_value));
}

std::vector<std::string> RequestHandler::get_arguments(std::string_view name) {
  auto values = get_query_arguments(name);
  auto body_values = get_body_arguments(name);
  values.insert(values.end(), body_values.begin(), body_values.end());
  return values;
}

const std::string* RequestHandler::argument_text(std::string_view name) {
  parse_arguments();
  const std::string* text = find_last(body_arguments_, name);
  return text ? text : find_last(query_arguments_, name);
}

template <typename T>
T RequestHandler::get_argument(std::string_view name) {
  const std::string* text = argument_text(name);
  if (!text) throw missing(name);
  return convert<T>(name, *text);
}

template <typename T>
T RequestHandler::get_argument(std::string_view name, std::type_identity_t<T> default_value) {
  const std::string* text = argument_text(name);
  return text ? convert<T>(name, *text) : default_value;
}

std::optional<std::string> RequestHandler::get_query_argument(std::string_view name) {
  parse_arguments();
  return last_value_of(query_arguments_, name);
}

std::vector<std::string> RequestHandler::get_query_arguments(std::string_view name) {
  parse_arguments();
  return values_of(query_arguments_, name);
}

std::optional<std::string> RequestHandler::get_body_argument(std::string_view name) {
  parse_arguments();
  return last_value_of(body_arguments_, name);
}

std::vector<std::string> RequestHandler::get_body_arguments(std::string_view name) {
  parse_arguments();
  return values_of(body_arguments_, name);
}

boost::json::value RequestHandler::json_body() const {
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(body_, error);
  if (error) throw bad_request("Malformed JSON body: " + error.message());
  return value;
}

#define UPDRAFT_ARGUMENT_TYPE(T)                                     \
  template T RequestHandler::get_argument<T>(std::string_view);      \
  template T RequestHandler::get_argument<T>(std::string_view, std::type_identity_t<T>);
UPDRAFT_ARGUMENT_TYPE(std::string)
UPDRAFT_ARGUMENT_TYPE(bool)
UPDRAFT_ARGUMENT_TYPE(int)
UPDRAFT_ARGUMENT_TYPE(long)
UPDRAFT_ARGUMENT_TYPE(long long)
UPDRAFT_ARGUMENT_TYPE(unsigned)
UPDRAFT_ARGUMENT_TYPE(unsigned long)
UPDRAFT_ARGUMENT_TYPE(unsigned long long)
UPDRAFT_ARGUMENT_TYPE(float)
UPDRAFT_ARGUMENT_TYPE(double)
#undef UPDRAFT_ARGUMENT_TYPE

}  // namespace updraft
