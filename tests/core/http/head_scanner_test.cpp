// Unit tests for HeadScanner: strict line framing of request heads and the 414/431 limits.
#include <catch2/catch.hpp>

#include <string>

#include "core/http/head_scanner.hpp"

using updraft::HeadScanner;
using updraft::Limits;

namespace {

HeadScanner::Result scan_whole(std::string_view data, const Limits& limits = {}) {
  HeadScanner scanner(limits);
  return scanner.scan(data);
}

// Feeds one byte at a time until the head ends or is rejected; consumed is summed over the calls.
HeadScanner::Result scan_bytewise(std::string_view data, const Limits& limits = {}) {
  HeadScanner scanner(limits);
  HeadScanner::Result total;
  for (std::size_t i = 0; i < data.size(); ++i) {
    HeadScanner::Result r = scanner.scan(data.substr(i, 1));
    total.consumed += r.consumed;
    total.head_done = r.head_done;
    total.status = r.status;
    total.reason = r.reason;
    if (r.status || r.head_done) break;
  }
  return total;
}

Limits small_limits() {
  Limits limits;
  limits.max_request_line = 25;       // "GET /abcdefghijk HTTP/1.1" is exactly 25
  limits.max_header_field_size = 10;  // "A: 1234567" is exactly 10
  limits.max_header_bytes = 20;
  limits.max_header_count = 3;
  return limits;
}

}  // namespace

TEST_CASE("a well-formed head is consumed up to and including its empty line", "[head_scanner]") {
  const std::string head = "GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n";
  const Limits limits;
  HeadScanner scanner(limits);
  CHECK(scanner.in_head());
  CHECK_FALSE(scanner.started());

  HeadScanner::Result r = scanner.scan(head + "body bytes");
  CHECK(r.status == 0);
  CHECK(r.head_done);
  CHECK(r.consumed == head.size());
  CHECK(scanner.started());
  CHECK_FALSE(scanner.in_head());

  SECTION("after the head it consumes nothing more") {
    HeadScanner::Result again = scanner.scan("more");
    CHECK(again.head_done);
    CHECK(again.consumed == 0);
  }
  SECTION("reset starts a new head") {
    scanner.reset();
    CHECK(scanner.in_head());
    CHECK_FALSE(scanner.started());
    CHECK(scanner.scan(head).consumed == head.size());
  }
}

TEST_CASE("a partial head is consumed whole and waits for more", "[head_scanner]") {
  HeadScanner::Result r = scan_whole("GET / HTTP/1.1\r\nHost: a\r\n\r");
  CHECK(r.status == 0);
  CHECK_FALSE(r.head_done);
  CHECK(r.consumed == 26);
}

TEST_CASE("a head without fields ends at the first empty line", "[head_scanner]") {
  HeadScanner::Result r = scan_whole("GET / HTTP/1.0\r\n\r\nX");
  CHECK(r.head_done);
  CHECK(r.consumed == 18);
}

TEST_CASE("malformed heads are rejected with 400 at the offending byte", "[head_scanner]") {
  struct Case {
    const char* what;
    std::string data;
    std::size_t at;
  };
  auto c = GENERATE(values<Case>({
      {"bare LF ending the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 14},
      {"bare LF ending a field", "GET / HTTP/1.1\r\nHost: a\n\r\n", 23},
      {"head ending in CRLF LF", "GET / HTTP/1.1\r\nHost: a\r\n\n", 25},
      {"head ending in CRLF CR + byte", "GET / HTTP/1.1\r\nHost: a\r\n\rX", 26},
      {"bare CR inside a field", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 24},
      {"obs-fold with a space", "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", 25},
      {"obs-fold with a tab", "GET / HTTP/1.1\r\nHost: a\r\n\tb\r\n\r\n", 25},
      {"empty field name", "GET / HTTP/1.1\r\n: a\r\n\r\n", 16},
      {"NUL in a field value", std::string("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 26), 20},
      {"escape in a field value", "GET / HTTP/1.1\r\nX: a\x1b\r\n\r\n", 20},
      {"DEL in a field name", "GET / HTTP/1.1\r\nX\x7f: a\r\n\r\n", 17},
      {"control character in the request line", "GET /\x01 HTTP/1.1\r\n\r\n", 5},
      {"two empty lines before the request line", "\r\n\r\nGET / HTTP/1.1\r\n\r\n", 3},
      {"a bare LF before the request line", "\nGET / HTTP/1.1\r\n\r\n", 0},
      {"an HTTP/0.9 request line without a version", "GET /\r\n\r\n", 6},
      {"two spaces between method and target", "GET  / HTTP/1.1\r\n\r\n", 16},
  }));
  INFO(c.what);
  HeadScanner::Result r = scan_whole(c.data);
  CHECK(r.status == 400);
  CHECK_FALSE(r.head_done);
  CHECK(r.consumed == c.at);
  CHECK(std::string_view(r.reason).size() > 0);
}

TEST_CASE("tabs and obs-text are allowed inside field values", "[head_scanner]") {
  HeadScanner::Result r = scan_whole("GET / HTTP/1.1\r\nX: a\tb\xe9\r\n\r\n");
  CHECK(r.status == 0);
  CHECK(r.head_done);
}

TEST_CASE("one empty line before the request line is tolerated", "[head_scanner]") {
  const std::string head = "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
  HeadScanner::Result r = scan_whole(head);
  CHECK(r.status == 0);
  CHECK(r.head_done);
  CHECK(r.consumed == head.size());
}

TEST_CASE("size limits apply at the byte that crosses them", "[head_scanner]") {
  struct Case {
    const char* what;
    std::string data;
    int status;
    std::size_t at;
  };
  auto c = GENERATE(values<Case>({
      {"request line at the limit", "GET /abcdefghijk HTTP/1.1\r\n\r\n", 0, 29},
      {"request line one byte over", "GET /abcdefghijkl HTTP/1.1\r\n\r\n", 414, 25},
      {"field at the limit", "GET / H\r\nA: 1234567\r\n\r\n", 0, 23},
      {"field one byte over", "GET / H\r\nA: 12345678\r\n\r\n", 431, 19},
      {"all fields at the limit", "GET / H\r\nA: 123456\r\nB: 123456\r\n\r\n", 0, 33},
      // 9 + 9 + 3 bytes: only the last field's third byte crosses max_header_bytes.
      {"all fields one byte over", "GET / H\r\nA: 123456\r\nB: 123456\r\nC: 4\r\n\r\n", 431, 33},
      {"field count at the limit", "GET / H\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 0, 29},
      {"one field too many", "GET / H\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 431, 32},
  }));
  INFO(c.what);
  HeadScanner::Result r = scan_whole(c.data, small_limits());
  CHECK(r.status == c.status);
  CHECK(r.head_done == (c.status == 0));
  CHECK(r.consumed == c.at);
}

TEST_CASE("the default limits accept an ordinary browser head", "[head_scanner]") {
  std::string head = "GET /" + std::string(8000, 'a') + " HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) head += "X-Field-" + std::to_string(i) + ": value\r\n";
  head += "\r\n";
  HeadScanner::Result r = scan_whole(head);
  CHECK(r.status == 0);
  CHECK(r.consumed == head.size());

  SECTION("and reject the 101st field") {
    head.insert(head.size() - 2, "X-One-More: value\r\n");
    CHECK(scan_whole(head).status == 431);
  }
}

TEST_CASE("feeding a head byte by byte gives the same result as one piece", "[head_scanner]") {
  auto data = GENERATE(as<std::string>{},
                       "GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\nbody",
                       "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
                       "GET / HTTP/1.1\r\nHost: a\r\n\rX",
                       "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n",
                       "GET / HTTP/1.1\r\n: a\r\n\r\n",
                       "GET /abcdefghijkl HTTP/1.1\r\n\r\n",
                       "GET /\r\n\r\n",
                       "GET / H\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n",
                       "GET / H\r\nA: 123456\r\nB: 123456\r\nC: 4\r\n\r\n");
  INFO(data);
  HeadScanner::Result whole = scan_whole(data, small_limits());
  HeadScanner::Result bytewise = scan_bytewise(data, small_limits());
  CHECK(bytewise.consumed == whole.consumed);
  CHECK(bytewise.head_done == whole.head_done);
  CHECK(bytewise.status == whole.status);
  CHECK(std::string_view(bytewise.reason) == whole.reason);
}

TEST_CASE("every byte value anywhere in a long line is judged as when fed byte by byte", "[head_scanner]") {
  // The scanner takes runs of ordinary bytes eight at a time; a byte fed alone takes the per-byte path.
  for (int b = 0; b < 256; ++b) {
    for (std::size_t at = 1; at < 24; ++at) {
      for (bool in_target : {false, true}) {
        std::string line(24, 'x');
        line[0] = '/';
        line[at] = static_cast<char>(b);
        std::string head = in_target ? "GET " + line + " HTTP/1.1\r\nHost: a\r\n\r\n"
                                     : "GET / HTTP/1.1\r\nX-Long-Field: " + line + "\r\n\r\n";
        INFO("byte " << b << " at " << at << (in_target ? " of the target" : " of a field value"));
        HeadScanner::Result whole = scan_whole(head);
        HeadScanner::Result bytewise = scan_bytewise(head);
        CHECK(whole.status == bytewise.status);
        CHECK(whole.consumed == bytewise.consumed);
        bool ordinary = (b >= 0x20 && b != 0x7f) || b == '\t';
        bool third_space = in_target && b == ' ';
        CHECK((whole.status == 0) == (ordinary && !third_space));
      }
    }
  }
}
