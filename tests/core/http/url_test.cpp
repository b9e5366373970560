// Unit tests for the URL helpers: percent-decoding, escaping and query-string parsing.
#include <catch2/catch.hpp>

#include <string>

#include "core/http/url.hpp"

using updraft::Arguments;

TEST_CASE("url_unescape decodes %XX escapes and keeps malformed ones", "[url]") {
  struct Case {
    std::string in;
    bool plus_as_space;
    std::string out;
  };
  auto c = GENERATE(values<Case>({
      {"", false, ""},
      {"plain", false, "plain"},
      {"%41%62%2f%2F", false, "Ab//"},
      {"a%20b", false, "a b"},
      {"a+b", false, "a+b"},
      {"a+b%2B", true, "a b+"},
      {"%E2%9C%93", false, "\xE2\x9C\x93"},
      {"%00", false, std::string(1, '\0')},
      {"100%", false, "100%"},
      {"%4", false, "%4"},
      {"%zz%4g", false, "%zz%4g"},
      {"%%41", false, "%A"},
      {"end%41", false, "endA"},
  }));
  INFO(c.in << " plus_as_space=" << c.plus_as_space);
  CHECK(updraft::url_unescape(c.in, c.plus_as_space) == c.out);
}

TEST_CASE("url_escape keeps only unreserved characters", "[url]") {
  CHECK(updraft::url_escape("") == "");
  CHECK(updraft::url_escape("AZaz09-._~") == "AZaz09-._~");
  CHECK(updraft::url_escape("a b/c?d=e&f+g%") == "a%20b%2Fc%3Fd%3De%26f%2Bg%25");
  CHECK(updraft::url_escape("\xE2\x9C\x93") == "%E2%9C%93");
  CHECK(updraft::url_escape(std::string(1, '\0')) == "%00");
}

TEST_CASE("url_escape and url_unescape round-trip every byte", "[url]") {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  CHECK(updraft::url_unescape(updraft::url_escape(all), false) == all);
  CHECK(updraft::url_unescape(updraft::url_escape(all), true) == all);
}

TEST_CASE("parse_query splits pairs, decodes them and keeps blank values", "[url]") {
  struct Case {
    std::string query;
    Arguments args;
  };
  auto c = GENERATE(values<Case>({
      {"", {}},
      {"a=1&b=2&a=3", {{"a", "1"}, {"b", "2"}, {"a", "3"}}},
      {"a=&b", {{"a", ""}, {"b", ""}}},
      {"&&a=1&", {{"a", "1"}}},
      {"q=hello+world%21", {{"q", "hello world!"}}},
      {"x%3Dy=1%262", {{"x=y", "1&2"}}},
      {"a=1=2", {{"a", "1=2"}}},
      {"=v", {{"", "v"}}},
  }));
  INFO(c.query);
  Arguments args;
  updraft::parse_query(c.query, args);
  CHECK(args == c.args);
}

TEST_CASE("empty input, a null string_view too, decodes to nothing", "[url]") {
  CHECK(updraft::url_unescape(std::string_view(), true).empty());
  Arguments args;
  updraft::parse_query(std::string_view(), args);
  CHECK(args.empty());
}

TEST_CASE("parse_query appends to the arguments already there", "[url]") {
  Arguments args{{"from", "path"}};
  updraft::parse_query("k=v", args);
  CHECK(args == Arguments{{"from", "path"}, {"k", "v"}});
}
