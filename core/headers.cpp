// HeaderList: fields kept as offsets into one string so a request's headers cost one or two allocations.
#include "core/headers.hpp"

#include <algorithm>

namespace updraft {

namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool is_ows(char c) { return c == ' ' || c == '\t'; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

void HeaderList::add(std::string_view name, std::string_view value) {
  begin_field();
  append_name(name);
  append_value(value);
}

void HeaderList::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

void HeaderList::remove(std::string_view name) {
  std::erase_if(fields_, [&](const Slot& s) {
    return iequals(std::string_view(storage_).substr(s.name_off, s.name_len), name);
  });
}

void HeaderList::clear() {
  storage_.clear();
  fields_.clear();
}

HeaderList::Field HeaderList::operator[](std::size_t i) const {
  const Slot& s = fields_[i];
  std::string_view all(storage_);
  return {all.substr(s.name_off, s.name_len), all.substr(s.value_off, s.value_len)};
}

std::optional<std::string_view> HeaderList::get(std::string_view name) const {
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    Field f = (*this)[i];
    if (iequals(f.name, name)) return f.value;
  }
  return std::nullopt;
}

std::optional<std::string> HeaderList::get_joined(std::string_view name) const {
  std::optional<std::string> joined;
  for (Field f : *this) {
    if (!iequals(f.name, name)) continue;
    if (joined) {
      joined->append(", ");
      joined->append(f.value);
    } else {
      joined.emplace(f.value);
    }
  }
  return joined;
}

std::size_t HeaderList::count(std::string_view name) const {
  std::size_t n = 0;
  for (Field f : *this) n += iequals(f.name, name) ? 1 : 0;
  return n;
}

void HeaderList::begin_field() {
  auto off = static_cast<std::uint32_t>(storage_.size());
  fields_.push_back({off, 0, off, 0});
}

void HeaderList::append_name(std::string_view piece) {
  Slot& s = fields_.back();
  storage_.append(piece);
  s.name_len += static_cast<std::uint32_t>(piece.size());
  s.value_off = static_cast<std::uint32_t>(storage_.size());
}

void HeaderList::append_value(std::string_view piece) {
  Slot& s = fields_.back();
  storage_.append(piece);
  s.value_len += static_cast<std::uint32_t>(piece.size());
}

void HeaderList::end_field() {
  Slot& s = fields_.back();
  while (s.value_len && is_ows(storage_[s.value_off])) { ++s.value_off; --s.value_len; }
  while (s.value_len && is_ows(storage_[s.value_off + s.value_len - 1])) --s.value_len;
}

}  // namespace updraft
