// pg::Param: a query parameter in PostgreSQL's text form, always sent apart from the SQL ($1, $2...), never formatted
// into it; to_param() turns strings, integers, floating point numbers, bools, nullptr and std::optional into one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace updraft::pg {

using Param = std::optional<std::string>;  // std::nullopt: NULL
using Params = std::vector<Param>;

// Text: as it is, except a NUL byte (PostgreSQL text cannot hold one), which throws pg::Error (usage).
Param to_param(std::string_view text);
inline Param to_param(const std::string& text) { return to_param(std::string_view(text)); }
inline Param to_param(const char* text) { return to_param(std::string_view(text)); }
Param to_param(bool value);
Param to_param(std::int64_t value);
Param to_param(std::uint64_t value);
Param to_param(double value);  // shortest round-trip form; NaN and infinities as PostgreSQL spells them
inline Param to_param(std::nullptr_t) { return std::nullopt; }
inline Param to_param(std::nullopt_t) { return std::nullopt; }
template <class T>
  requires std::is_integral_v<T> && (!std::is_same_v<T, bool>) && (!std::is_same_v<T, char>)
Param to_param(T value) {
  if constexpr (std::is_signed_v<T>) return to_param(std::int64_t(value));
  else return to_param(std::uint64_t(value));
}
inline Param to_param(float value) { return to_param(double(value)); }
template <class T>
Param to_param(const std::optional<T>& value) {
  return value ? to_param(*value) : Param();
}

template <class... Args>
Params make_params(const Args&... args) {
  Params params;
  params.reserve(sizeof...(args));
  (params.push_back(to_param(args)), ...);
  return params;
}

}  // namespace updraft::pg
