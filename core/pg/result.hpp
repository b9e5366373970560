// pg::Result and pg::Row: a query's rows, read as typed values (integers, double, bool, strings; std::optional for a
// column that may be NULL); a value that is not of the type asked for throws pg::Error (usage), never converts quietly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/pg/error.hpp"

struct pg_result;  // libpq's PGresult, kept out of this header

namespace updraft::pg {

namespace detail {
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class>
inline constexpr bool unsupported_type = false;
}  // namespace detail

class Result;

// One row of a Result; valid while the Result lives.
class Row {
 public:
  bool is_null(int column) const;
  // The value of column as T: bool (a boolean column), an integer type (an integer column, in T's range), double or
  // float (any number column), std::string or std::string_view (any column, as PostgreSQL writes it as text), or
  // std::optional of those (std::nullopt for NULL). NULL read as anything but an optional throws.
  template <class T>
  T get(int column) const {
    if constexpr (detail::is_optional<T>::value) {
      if (is_null(column)) return std::nullopt;
      return get<typename T::value_type>(column);
    } else if constexpr (std::is_same_v<T, bool>) {
      return boolean(column);
    } else if constexpr (std::is_integral_v<T>) {
      const std::int64_t value = integer(column);
      if (value < std::int64_t(std::numeric_limits<T>::min()) ||
          (value > 0 && std::uint64_t(value) > std::uint64_t(std::numeric_limits<T>::max())))
        out_of_range(column);
      return T(value);
    } else if constexpr (std::is_floating_point_v<T>) {
      return T(real(column));
    } else if constexpr (std::is_same_v<T, std::string_view>) {
      return text(column);
    } else if constexpr (std::is_same_v<T, std::string>) {
      return std::string(text(column));
    } else {
      static_assert(detail::unsupported_type<T>, "read a column as bool, an integer, a floating point type, "
                                                 "std::string, std::string_view or std::optional of one");
    }
  }
  template <class T>
  T get(std::string_view column_name) const {
    return get<T>(column(column_name));
  }

 private:
  friend class Result;
  Row(const Result& result, int row) : result_(&result), row_(row) {}
  int column(std::string_view name) const;
  bool boolean(int column) const;
  std::int64_t integer(int column) const;
  double real(int column) const;
  std::string_view text(int column) const;
  [[noreturn]] void out_of_range(int column) const;

  const Result* result_;
  int row_;
};

class Result {
 public:
  Result();  // no rows, no columns
  Result(Result&&) noexcept;
  Result& operator=(Result&&) noexcept;
  ~Result();

  std::size_t size() const;  // rows
  bool empty() const { return size() == 0; }
  int columns() const;
  std::string_view column_name(int column) const;
  // The column's index, or -1.
  int find_column(std::string_view name) const;
  Row operator[](std::size_t row) const { return Row(*this, int(row)); }
  // Rows an INSERT, UPDATE or DELETE touched (PQcmdTuples), 0 for other statements.
  std::uint64_t affected_rows() const;

  class iterator {
   public:
    iterator(const Result& result, int row) : result_(&result), row_(row) {}
    Row operator*() const { return Row(*result_, row_); }
    iterator& operator++() {
      ++row_;
      return *this;
    }
    bool operator==(const iterator& other) const { return row_ == other.row_; }

   private:
    const Result* result_;
    int row_;
  };
  iterator begin() const { return {*this, 0}; }
  iterator end() const { return {*this, int(size())}; }

  // Takes ownership of a PGresult (libpq's), for the adapter.
  explicit Result(pg_result* result);

 private:
  friend class Row;
  pg_result* result_ = nullptr;
};

}  // namespace updraft::pg
