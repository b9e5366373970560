// HeaderList: fields kept as offsets into one buffer with inline room, so a typical head costs no allocation.
#include "core/http/headers.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

namespace updraft {

namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool is_ows(char c) { return c == ' ' || c == '\t'; }

constexpr std::uint64_t kOnes = 0x0101010101010101;

// Eight bytes with ASCII upper-case letters folded to lower case (bytes >= 0x80 left alone).
std::uint64_t lower_word(const char* p) {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  std::uint64_t low7 = x & (kOnes * 0x7f);
  std::uint64_t at_least_a = low7 + kOnes * (0x80 - 'A');   // high bit set where the byte >= 'A'
  std::uint64_t beyond_z = low7 + kOnes * (0x80 - 'Z' - 1);  // high bit set where the byte > 'Z'
  std::uint64_t upper = at_least_a & ~beyond_z & ~x & (kOnes * 0x80);
  return x | (upper >> 2);
}
}  // namespace

// Header names are compared often: eight bytes at a time, the last word overlapping the one before.
std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool iequals(std::string_view a, std::string_view b) {
  std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n < 8) {
    for (std::size_t i = 0; i < n; ++i)
      if (a[i] != b[i] && lower(a[i]) != lower(b[i])) return false;
    return true;
  }
  for (std::size_t i = 0; i + 8 < n; i += 8)
    if (lower_word(a.data() + i) != lower_word(b.data() + i)) return false;
  return lower_word(a.data() + n - 8) == lower_word(b.data() + n - 8);
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
  auto kept = std::remove_if(fields_.begin(), fields_.end(), [&](const Slot& s) { return named(s, name); });
  fields_.erase(kept, fields_.end());
}

bool HeaderList::holds_inline(const void* data) const {
  const auto* self = reinterpret_cast<const char*>(this);
  const std::less<const void*> before;
  return !before(data, self) && before(data, self + sizeof *this);
}

std::size_t HeaderList::heap_bytes() const {
  std::size_t bytes = 0;
  if (!holds_inline(storage_.data())) bytes += storage_.capacity();
  if (!holds_inline(fields_.data())) bytes += fields_.capacity() * sizeof(Slot);
  return bytes;
}

// Only a vector on the heap is shrunk: Boost's small_vector::shrink_to_fit() would move contents that sit in the
// inline room out to a heap block of their size (224 bytes more for a small WebSocket request's head).
void HeaderList::shrink_to_fit() {
  if (!holds_inline(storage_.data())) storage_.shrink_to_fit();
  if (!holds_inline(fields_.data())) fields_.shrink_to_fit();
}

void HeaderList::clear() {
  storage_.clear();
  fields_.clear();
}

HeaderList::Field HeaderList::operator[](std::size_t i) const {
  const Slot& s = fields_[i];
  return {{storage_.data() + s.name_off, s.name_len}, {storage_.data() + s.value_off, s.value_len}};
}

// The length first: most fields a lookup passes differ in it, and then no byte is compared.
bool HeaderList::named(const Slot& s, std::string_view name) const {
  return s.name_len == name.size() && iequals({storage_.data() + s.name_off, s.name_len}, name);
}

std::optional<std::string_view> HeaderList::get(std::string_view name) const {
  for (const Slot& s : fields_)
    if (named(s, name)) return std::string_view(storage_.data() + s.value_off, s.value_len);
  return std::nullopt;
}

std::optional<std::string> HeaderList::get_joined(std::string_view name) const {
  std::optional<std::string> joined;
  for (const Slot& s : fields_) {
    if (!named(s, name)) continue;
    std::string_view value(storage_.data() + s.value_off, s.value_len);
    if (joined) {
      joined->append(", ");
      joined->append(value);
    } else {
      joined.emplace(value);
    }
  }
  return joined;
}

std::size_t HeaderList::count(std::string_view name) const {
  std::size_t n = 0;
  for (const Slot& s : fields_) n += named(s, name) ? 1 : 0;
  return n;
}

void HeaderList::begin_field() {
  auto off = static_cast<std::uint32_t>(storage_.size());
  fields_.push_back({off, 0, off, 0});
}

void HeaderList::append_bytes(std::string_view piece) {
  std::size_t at = storage_.size();
  storage_.resize(at + piece.size(), boost::container::default_init);
  std::memcpy(storage_.data() + at, piece.data(), piece.size());
}

void HeaderList::append_name(std::string_view piece) {
  Slot& s = fields_.back();
  append_bytes(piece);
  s.name_len += static_cast<std::uint32_t>(piece.size());
  s.value_off = static_cast<std::uint32_t>(storage_.size());
}

void HeaderList::append_value(std::string_view piece) {
  Slot& s = fields_.back();
  append_bytes(piece);
  s.value_len += static_cast<std::uint32_t>(piece.size());
}

void HeaderList::end_field() {
  Slot& s = fields_.back();
  while (s.value_len && is_ows(storage_[s.value_off])) { ++s.value_off; --s.value_len; }
  while (s.value_len && is_ows(storage_[s.value_off + s.value_len - 1])) --s.value_len;
}

}  // namespace updraft
