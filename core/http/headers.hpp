// HeaderList: an ordered list of HTTP fields stored in one buffer, with case-insensitive lookup.
#pragma once

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace updraft {

bool iequals(std::string_view a, std::string_view b);
// s without the optional whitespace (SP, HTAB) RFC 9110 5.6.3 allows around a field's value and its list items.
std::string_view trim_ows(std::string_view s);
// RFC 9110 5.6.2's tchar: what a token (a method, a field name, a parameter name) is made of.
bool is_tchar(char c);

class HeaderList {
 public:
  struct Field {
    std::string_view name;
    std::string_view value;
  };

  void add(std::string_view name, std::string_view value);
  // Replaces every field called name with one field (or adds it).
  void set(std::string_view name, std::string_view value);
  void remove(std::string_view name);
  void clear();

  // The first value of name, if present.
  std::optional<std::string_view> get(std::string_view name) const;
  // Every value of name joined with ", " (RFC 9110 list semantics).
  std::optional<std::string> get_joined(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }

  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  Field operator[](std::size_t i) const;

  class const_iterator {
   public:
    const_iterator(const HeaderList* list, std::size_t i) : list_(list), i_(i) {}
    Field operator*() const { return (*list_)[i_]; }
    const_iterator& operator++() { ++i_; return *this; }
    bool operator!=(const const_iterator& o) const { return i_ != o.i_; }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }

   private:
    const HeaderList* list_;
    std::size_t i_;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, fields_.size()}; }

  // Incremental building, for the parser: bytes arrive in pieces.
  void begin_field();
  void append_name(std::string_view piece);
  void append_value(std::string_view piece);
  // Trims optional whitespace around the last field's value.
  void end_field();
  std::size_t storage_bytes() const { return storage_.size(); }
  // Heap bytes held beyond the inline room, kept across clear().
  std::size_t heap_bytes() const;
  // Gives back the room beyond what the fields take (a head kept for a long connection's life).
  void shrink_to_fit();

 private:
  struct Slot {
    std::uint32_t name_off, name_len, value_off, value_len;
  };
  bool named(const Slot& s, std::string_view name) const;
  // Whether a vector's elements are in its inline room, inside the list, rather than on the heap.
  bool holds_inline(const void* data) const;
  void append_bytes(std::string_view piece);
  // Inline room for the heads HTTP tools and libraries send (curl, requests, wrk: a few fields, under 128 bytes) and
  // for a handler's response headers, so building one costs no allocation; a browser's larger head takes one.
  boost::container::small_vector<char, 128> storage_;
  boost::container::small_vector<Slot, 6> fields_;
};

}  // namespace updraft
