// Query parameters in PostgreSQL's text form.
#include "core/pg/params.hpp"

#include <charconv>
#include <cmath>

#include "core/pg/error.hpp"

namespace updraft::pg {

Param to_param(std::string_view text) {
  if (text.find('\0') != std::string_view::npos)
    throw Error(Error::Kind::usage, "a query parameter holds a NUL byte, which PostgreSQL text cannot store");
  return std::string(text);
}

Param to_param(bool value) { return std::string(value ? "true" : "false"); }

namespace {
template <class T>
std::string number_text(T value) {
  char digits[32];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  return std::string(digits, end);
}
}  // namespace

Param to_param(std::int64_t value) { return number_text(value); }
Param to_param(std::uint64_t value) { return number_text(value); }

Param to_param(double value) {
  if (std::isnan(value)) return std::string("NaN");
  if (std::isinf(value)) return std::string(value > 0 ? "Infinity" : "-Infinity");
  return number_text(value);
}

}  // namespace updraft::pg
