// pg::Result over libpq's PGresult (text format): each typed read checks the column's type and parses the text.
#include "core/pg/result.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>
#include <utility>

namespace updraft::pg {

namespace {
// Type OIDs from PostgreSQL's pg_type.
constexpr Oid bool_oid = 16, int8_oid = 20, int2_oid = 21, int4_oid = 23, oid_oid = 26, float4_oid = 700,
              float8_oid = 701, numeric_oid = 1700;
}  // namespace

Result::Result() = default;
Result::Result(pg_result* result) : result_(result) {}
Result::Result(Result&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
Result& Result::operator=(Result&& other) noexcept {
  if (this != &other) {
    if (result_) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}
Result::~Result() {
  if (result_) PQclear(result_);
}

std::size_t Result::size() const { return result_ ? std::size_t(PQntuples(result_)) : 0; }
int Result::columns() const { return result_ ? PQnfields(result_) : 0; }
std::string_view Result::column_name(int column) const {
  const char* name = result_ ? PQfname(result_, column) : nullptr;
  return name ? name : "";
}
int Result::find_column(std::string_view name) const {
  for (int i = 0; i < columns(); ++i)
    if (column_name(i) == name) return i;
  return -1;
}
std::uint64_t Result::affected_rows() const {
  const char* count = result_ ? PQcmdTuples(result_) : "";
  return *count ? std::strtoull(count, nullptr, 10) : 0;
}

bool Row::is_null(int column) const {
  const int columns = result_->columns();
  if (column < 0 || column >= columns || row_ < 0 || std::size_t(row_) >= result_->size())
    throw Error(Error::Kind::usage, "no column " + std::to_string(column) + " in row " + std::to_string(row_) + " (" +
                                        std::to_string(result_->size()) + " rows of " + std::to_string(columns) +
                                        " columns)");
  return PQgetisnull(result_->result_, row_, column);
}

int Row::column(std::string_view name) const {
  const int index = result_->find_column(name);
  if (index < 0) throw Error(Error::Kind::usage, "no column named \"" + std::string(name) + "\" in the result");
  return index;
}

std::string_view Row::text(int column) const {
  if (is_null(column))
    throw Error(Error::Kind::usage, "column \"" + std::string(result_->column_name(column)) +
                                        "\" is NULL: read it as a std::optional");
  return {PQgetvalue(result_->result_, row_, column), std::size_t(PQgetlength(result_->result_, row_, column))};
}

namespace {
[[noreturn]] void wrong_type(const Result& result, int column, const char* wanted) {
  throw Error(Error::Kind::usage, "column \"" + std::string(result.column_name(column)) + "\" is not " + wanted);
}
}  // namespace

bool Row::boolean(int column) const {
  const std::string_view value = text(column);
  if (PQftype(result_->result_, column) != bool_oid) wrong_type(*result_, column, "a boolean");
  return value == "t";
}

std::int64_t Row::integer(int column) const {
  const std::string_view value = text(column);
  const Oid type = PQftype(result_->result_, column);
  if (type != int2_oid && type != int4_oid && type != int8_oid && type != oid_oid)
    wrong_type(*result_, column, "an integer");
  std::int64_t parsed = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (ec != std::errc() || end != value.data() + value.size()) out_of_range(column);  // an oid above int64's range
  return parsed;
}

double Row::real(int column) const {
  const std::string_view value = text(column);
  const Oid type = PQftype(result_->result_, column);
  if (type != float4_oid && type != float8_oid && type != numeric_oid && type != int2_oid && type != int4_oid &&
      type != int8_oid)
    wrong_type(*result_, column, "a number");
  // PostgreSQL writes NaN, Infinity and -Infinity as words, which strtod reads too; the text is NUL-terminated.
  return std::strtod(value.data(), nullptr);
}

void Row::out_of_range(int column) const {
  throw Error(Error::Kind::usage, "column \"" + std::string(result_->column_name(column)) + "\" holds " +
                                      std::string(text(column)) + ", out of the range of the type it is read as");
}

}  // namespace updraft::pg
