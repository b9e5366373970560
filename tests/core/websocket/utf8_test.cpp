// Unit tests for Utf8Validator: the Autobahn testsuite's UTF-8 cases (6.x) whole, cut at every point and byte by
// byte; each invalid text refused at its first impossible byte; runs of ASCII around the 8-byte fast path.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "core/websocket/utf8.hpp"

using updraft::websocket::is_valid_utf8;
using updraft::websocket::Utf8Validator;
using namespace std::string_literals;

namespace {

constexpr std::size_t kNever = std::string::npos;

// The index of the byte at which feeding text one byte at a time is first refused (kNever if none is), after
// checking that feeding it whole, cut in two anywhere or in pieces of 3 refuses it or not alike.
std::size_t refused_at(std::string_view text) {
  std::size_t at = kNever;
  Utf8Validator bytewise;
  for (std::size_t i = 0; i < text.size() && at == kNever; ++i)
    if (!bytewise.feed(text.substr(i, 1))) at = i;
  const bool valid = at == kNever && bytewise.complete();
  CHECK(is_valid_utf8(text) == valid);
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    Utf8Validator two;
    const bool ok = two.feed(text.substr(0, cut)) && two.feed(text.substr(cut)) && two.complete();
    INFO("cut at " << cut);
    CHECK(ok == valid);
  }
  Utf8Validator threes;
  bool ok = true;
  for (std::size_t i = 0; i < text.size(); i += 3) ok = ok && threes.feed(text.substr(i, 3));
  CHECK((ok && threes.complete()) == valid);
  return at;
}

struct Case {
  const char* what;
  std::string text;
};

struct Refused {
  const char* what;
  std::string text;
  std::size_t at;  // the first byte no valid text can have there
};

}  // namespace

TEST_CASE("valid UTF-8 is accepted (Autobahn 6.1, 6.2, 6.5, 6.6, 6.7, 6.8, 6.11, 6.22, 6.23)", "[websocket][utf8]") {
  const Case cases[] = {
      {"empty", ""},
      {"ASCII", "Hello, world"},
      {"Latin letters (6.5)", "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!"},
      {"kosme (6.2.1)", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"},
      {"U+0000", "\x00"s},
      {"U+0080, the first 2-byte character", "\xc2\x80"},
      {"U+0800, the first 3-byte character", "\xe0\xa0\x80"},
      {"U+10000, the first 4-byte character", "\xf0\x90\x80\x80"},
      {"U+007F", "\x7f"},
      {"U+07FF", "\xdf\xbf"},
      {"U+FFFF", "\xef\xbf\xbf"},
      {"U+10FFFF", "\xf4\x8f\xbf\xbf"},
      {"U+D7FF, before the surrogates", "\xed\x9f\xbf"},
      {"U+E000, after them", "\xee\x80\x80"},
      {"U+FFFD", "\xef\xbf\xbd"},
      {"U+FFFE, a noncharacter", "\xef\xbf\xbe"},
      {"U+1FFFF, a noncharacter", "\xf0\x9f\xbf\xbf"},
      {"U+FDD0, a noncharacter", "\xef\xb7\x90"},
      {"mixed lengths", "a\xc2\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 z"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    CHECK(refused_at(c.text) == kNever);
    CHECK(is_valid_utf8(c.text));
  }
}

TEST_CASE("invalid UTF-8 is refused at its first impossible byte (Autobahn 6.3, 6.6-6.21)", "[websocket][utf8]") {
  const Refused cases[] = {
      {"kosme, a surrogate, \"edited\" (6.3.1)",
       "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64", 12},
      {"kosme, U+110000, \"edited\" (6.4.1)",
       "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80\x65\x64\x69\x74\x65\x64", 12},
      {"first 5-byte sequence", "\xf8\x88\x80\x80\x80", 0},
      {"first 6-byte sequence", "\xfc\x84\x80\x80\x80\x80", 0},
      {"last 5-byte sequence", "\xfb\xbf\xbf\xbf\xbf", 0},
      {"last 6-byte sequence", "\xfd\xbf\xbf\xbf\xbf\xbf", 0},
      {"U+110000", "\xf4\x90\x80\x80", 1},
      {"U+13FFFF", "\xf4\xbf\xbf\xbf", 1},
      {"F5, past U+10FFFF", "\xf5\x80\x80\x80", 0},
      {"first continuation byte", "\x80", 0},
      {"last continuation byte", "\xbf", 0},
      {"two continuation bytes", "\x80\xbf", 0},
      {"continuation after a whole character", "\xc2\x80\x80", 2},
      {"lonely 2-byte start", "\xc2\x20", 1},
      {"lonely 3-byte start", "\xe1\x20", 1},
      {"lonely 4-byte start", "\xf1\x20", 1},
      {"3-byte sequence with its last byte missing, then ASCII", "\xe1\x80 ", 2},
      {"4-byte sequence with its last byte missing, then a lead", "\xf1\x80\x80\xc2\x80", 3},
      {"FE", "\xfe", 0},
      {"FF", "\xff", 0},
      {"FE FE FF FF", "\xfe\xfe\xff\xff", 0},
      {"overlong '/' in 2 bytes", "\xc0\xaf", 0},
      {"overlong '/' in 3 bytes", "\xe0\x80\xaf", 1},
      {"overlong '/' in 4 bytes", "\xf0\x80\x80\xaf", 1},
      {"overlong '/' in 5 bytes", "\xf8\x80\x80\x80\xaf", 0},
      {"overlong '/' in 6 bytes", "\xfc\x80\x80\x80\x80\xaf", 0},
      {"largest overlong 2-byte form", "\xc1\xbf", 0},
      {"largest overlong 3-byte form", "\xe0\x9f\xbf", 1},
      {"largest overlong 4-byte form", "\xf0\x8f\xbf\xbf", 1},
      {"overlong NUL in 2 bytes", "\xc0\x80", 0},
      {"overlong NUL in 3 bytes", "\xe0\x80\x80", 1},
      {"overlong NUL in 4 bytes", "\xf0\x80\x80\x80", 1},
      {"U+D800", "\xed\xa0\x80", 1},
      {"U+DB7F", "\xed\xad\xbf", 1},
      {"U+DB80", "\xed\xae\x80", 1},
      {"U+DBFF", "\xed\xaf\xbf", 1},
      {"U+DC00", "\xed\xb0\x80", 1},
      {"U+DF80", "\xed\xbe\x80", 1},
      {"U+DFFF", "\xed\xbf\xbf", 1},
      {"U+D800 U+DC00, a surrogate pair", "\xed\xa0\x80\xed\xb0\x80", 1},
      {"U+DBFF U+DFFF", "\xed\xaf\xbf\xed\xbf\xbf", 1},
  };
  for (const Refused& c : cases) {
    INFO(c.what);
    CHECK(refused_at(c.text) == c.at);
    CHECK_FALSE(is_valid_utf8(c.text));
  }
}

TEST_CASE("a text that ends inside a character is incomplete, not refused (Autobahn 6.6, 6.14)", "[websocket][utf8]") {
  const Case cases[] = {
      {"2-byte sequence, last byte missing", "\xc2"},
      {"3-byte sequence, last byte missing", "\xe0\xa0"},
      {"4-byte sequence, last byte missing", "\xf0\x90\x80"},
      {"U+07FF, last byte missing", "\xdf"},
      {"U+FFFF, last byte missing", "\xef\xbf"},
      {"U+10FFFF, last byte missing", "\xf4\x8f\xbf"},
      {"kosme, then half of U+10000", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf0\x90"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    CHECK(refused_at(c.text) == kNever);
    Utf8Validator validator;
    CHECK(validator.feed(c.text));
    CHECK_FALSE(validator.complete());
    CHECK_FALSE(is_valid_utf8(c.text));
  }
}

TEST_CASE("runs of ASCII are checked word by word, wherever the non-ASCII byte falls", "[websocket][utf8]") {
  for (std::size_t size = 0; size <= 40; ++size) {
    for (std::size_t at = 0; at < size; ++at) {
      std::string text(size, 'a');
      text[at] = '\x80';
      INFO("a stray continuation byte at " << at << " of " << size);
      CHECK(refused_at(text) == at);
      text.replace(at, 1, "\xc3\xa9");
      CHECK(refused_at(text) == kNever);
    }
  }
}

TEST_CASE("a refused validator stays refused", "[websocket][utf8]") {
  Utf8Validator validator;
  CHECK_FALSE(validator.feed("\xff"));
  CHECK_FALSE(validator.feed("fine"));
  CHECK_FALSE(validator.complete());
}
