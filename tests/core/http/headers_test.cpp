// Unit tests for HeaderList: ordered fields, case-insensitive lookup, list joining and incremental building.
#include <catch2/catch.hpp>

#include <string>

#include "core/http/headers.hpp"

using updraft::HeaderList;

namespace {

// "name=value;" for every field, in order.
std::string dump(const HeaderList& list) {
  std::string out;
  for (auto f : list) out.append(f.name).append("=").append(f.value).append(";");
  return out;
}

HeaderList sample() {
  HeaderList list;
  list.add("Content-Type", "text/plain");
  list.add("Set-Cookie", "a=1");
  list.add("X-Trace", "t");
  list.add("set-cookie", "b=2");
  return list;
}

}  // namespace

TEST_CASE("iequals compares ASCII case-insensitively", "[headers]") {
  CHECK(updraft::iequals("Content-Length", "content-LENGTH"));
  CHECK_FALSE(updraft::iequals("Content-Length", "Content-Lengt"));
  CHECK_FALSE(updraft::iequals("a", "b"));
  CHECK(updraft::iequals("", ""));
  // Only ASCII letters fold: '@' (0x40) and '`' (0x60) are not a case pair.
  CHECK_FALSE(updraft::iequals("@", "`"));
}

TEST_CASE("iequals folds exactly the ASCII letters, at every position of short and long names", "[headers]") {
  // Names of 8 bytes and more are compared a word at a time: every byte pair must give the per-byte answer.
  auto fold = [](int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
  for (std::size_t size : {5u, 8u, 13u, 16u, 17u}) {
    for (std::size_t at : {std::size_t{0}, size / 2, size - 1}) {
      for (int x = 0; x < 256; ++x) {
        for (int y = 0; y < 256; ++y) {
          std::string a(size, 'n'), b(size, 'N');
          a[at] = static_cast<char>(x);
          b[at] = static_cast<char>(y);
          if (updraft::iequals(a, b) != (fold(x) == fold(y))) FAIL("size " << size << " at " << at << ": " << x << " vs " << y);
        }
      }
    }
  }
}

TEST_CASE("fields keep their order and spelling", "[headers]") {
  HeaderList list = sample();
  CHECK(list.size() == 4);
  CHECK_FALSE(list.empty());
  CHECK(dump(list) == "Content-Type=text/plain;Set-Cookie=a=1;X-Trace=t;set-cookie=b=2;");
  CHECK(list[3].name == "set-cookie");
  CHECK(list[3].value == "b=2");
}

TEST_CASE("get finds the first value whatever the case", "[headers]") {
  HeaderList list = sample();
  CHECK(list.get("content-type") == "text/plain");
  CHECK(list.get("SET-COOKIE") == "a=1");
  CHECK_FALSE(list.get("Content"));
  CHECK_FALSE(list.get("missing"));
  CHECK(list.count("set-cookie") == 2);
  CHECK(list.count("x-trace") == 1);
  CHECK(list.contains("X-TRACE"));
  CHECK_FALSE(list.contains("x-trac"));
}

TEST_CASE("get_joined joins repeated fields with a comma", "[headers]") {
  HeaderList list = sample();
  CHECK(list.get_joined("Set-Cookie") == "a=1, b=2");
  CHECK(list.get_joined("x-trace") == "t");
  CHECK_FALSE(list.get_joined("missing"));

  SECTION("an empty value still counts as present") {
    list.add("X-Empty", "");
    CHECK(list.get_joined("x-empty") == "");
  }
}

TEST_CASE("set replaces every field of that name with one at the end", "[headers]") {
  HeaderList list = sample();
  list.set("SET-COOKIE", "c=3");
  CHECK(dump(list) == "Content-Type=text/plain;X-Trace=t;SET-COOKIE=c=3;");

  SECTION("or adds it when absent") {
    list.set("Server", "updraft");
    CHECK(list.get("server") == "updraft");
    CHECK(list.size() == 4);
  }
}

TEST_CASE("remove drops every field of that name", "[headers]") {
  HeaderList list = sample();
  list.remove("set-cookie");
  CHECK(dump(list) == "Content-Type=text/plain;X-Trace=t;");
  list.remove("not-there");
  CHECK(list.size() == 2);
  list.clear();
  CHECK(list.empty());
  CHECK(list.storage_bytes() == 0);
  CHECK(list.begin() == list.end());
}

TEST_CASE("fields built piece by piece are trimmed of surrounding whitespace", "[headers]") {
  HeaderList list;
  list.begin_field();
  list.append_name("X-Fo");
  list.append_name("o");
  list.append_value(" \t a");
  list.append_value("  b");
  list.append_value(" \t");
  list.end_field();

  list.begin_field();
  list.append_name("X-Blank");
  list.append_value("   ");
  list.end_field();

  list.begin_field();
  list.append_name("X-None");
  list.end_field();

  CHECK(dump(list) == "X-Foo=a  b;X-Blank=;X-None=;");
  CHECK(list.get("x-foo") == "a  b");
}

TEST_CASE("views stay valid as more fields are added", "[headers]") {
  HeaderList list;
  list.add("First", "1");
  for (int i = 0; i < 1000; ++i) list.add("X-" + std::to_string(i), std::string(50, 'v'));
  CHECK(list.get("first") == "1");
  CHECK(list.get("x-999") == std::string(50, 'v'));
  CHECK(list.size() == 1001);
}

TEST_CASE("shrink_to_fit leaves a list in its inline room and shrinks one on the heap to its fields", "[headers]") {
  HeaderList small = sample();
  small.shrink_to_fit();
  CHECK(small.heap_bytes() == 0);  // Boost's small_vector would have moved it out to the heap
  CHECK(dump(small) == "Content-Type=text/plain;Set-Cookie=a=1;X-Trace=t;set-cookie=b=2;");

  HeaderList large;
  for (int i = 0; i < 100; ++i) large.add("X-" + std::to_string(i), std::string(50, 'v'));
  large.remove("x-5");
  const std::size_t grown = large.heap_bytes();
  large.shrink_to_fit();
  CHECK(large.heap_bytes() < grown);
  CHECK(large.heap_bytes() == large.storage_bytes() + large.size() * 16);
  CHECK(large.size() == 99);
  CHECK(large.get("x-99") == std::string(50, 'v'));
}
