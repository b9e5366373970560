// Unit tests for RequestParser: llhttp in strict mode plus updraft's own RFC 9112 framing and Host checks.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/http/request_parser.hpp"
#include "support/parser_replay.hpp"

using updraft::Limits;
using updraft::ParserListener;
using updraft::RequestHead;
using updraft::RequestParser;
using updraft::testing::small_limits;
using Outcome = RequestParser::Outcome;

namespace {

// Records what the parser reports and answers with preset statuses.
struct Recorder : ParserListener {
  int heads = 0;
  std::string body;
  int head_status = 0;
  int body_status = 0;
  int on_head(RequestHead&) override {
    ++heads;
    return head_status;
  }
  int on_body(std::string_view chunk) override {
    body.append(chunk);
    return body_status;
  }
  std::string rejection_reason() const override { return "rejected by the listener"; }
};

// One parser with its limits, listener and head, as a connection holds them.
struct Harness {
  Limits limits;
  Recorder listener;
  RequestHead head;
  RequestParser parser{limits, listener};
  Harness() { parser.set_head(&head); }

  RequestParser::Result feed(std::string_view data) { return parser.feed(data); }
  // Starts the next message in a fresh head.
  void next() {
    head = RequestHead{};
    listener.body.clear();
    parser.next_message();
  }
};

// Feeds data in one piece and returns the error status (0 when the message completes).
int status_of(std::string_view data) {
  Harness h;
  RequestParser::Result r = h.feed(data);
  if (r.outcome == Outcome::error) return r.status;
  REQUIRE(r.outcome == Outcome::message_done);
  return 0;
}

std::string field_names(const updraft::HeaderList& list) {
  std::string names;
  for (auto f : list) names.append(f.name).append(";");
  return names;
}

const std::string simple_get =
    "GET /path?q=1 HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "User-Agent:  test/1.0  \r\n"
    "\r\n";

void check_simple_get(const RequestHead& head) {
  CHECK(head.method == "GET");
  CHECK(head.target == "/path?q=1");
  CHECK(head.path() == "/path");
  CHECK(head.query() == "q=1");
  CHECK(head.version_minor == 1);
  CHECK(head.keep_alive);
  CHECK_FALSE(head.has_body());
  CHECK(field_names(head.headers) == "Host;User-Agent;");
  CHECK(head.headers.get("host") == "example.com");
  CHECK(head.headers.get("user-agent") == "test/1.0");
}

const std::string chunked_post =
    "POST /upload HTTP/1.1\r\n"
    "Host: h\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "5\r\nhello\r\n"
    "6;name=value\r\n world\r\n"
    "0\r\n"
    "X-Checksum: abc\r\n"
    "Host: trailer.example\r\n"
    "\r\n";

}  // namespace

TEST_CASE("a simple GET parses into the head", "[request_parser]") {
  Harness h;
  RequestParser::Result r = h.feed(simple_get);
  REQUIRE(r.outcome == Outcome::message_done);
  CHECK(r.consumed == simple_get.size());
  CHECK(r.status == 0);
  CHECK(h.listener.heads == 1);
  CHECK(h.listener.body.empty());
  CHECK_FALSE(h.parser.in_message());
  check_simple_get(h.head);
}

TEST_CASE("a head split across two feeds at every byte position parses the same", "[request_parser]") {
  for (std::size_t split = 1; split < simple_get.size(); ++split) {
    INFO("split at " << split);
    Harness h;
    RequestParser::Result first = h.feed(std::string_view(simple_get).substr(0, split));
    CHECK(first.outcome == Outcome::need_more);
    CHECK(first.consumed == split);
    CHECK(h.parser.in_message());
    CHECK(h.listener.heads == 0);
    RequestParser::Result second = h.feed(std::string_view(simple_get).substr(split));
    REQUIRE(second.outcome == Outcome::message_done);
    CHECK(second.consumed == simple_get.size() - split);
    CHECK(h.listener.heads == 1);
    check_simple_get(h.head);
  }
}

TEST_CASE("pipelined messages are parsed one per feed", "[request_parser]") {
  const std::string first = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
  const std::string second = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string third = "GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  const std::string all = first + second + third;
  Harness h;

  RequestParser::Result r = h.feed(all);
  REQUIRE(r.outcome == Outcome::message_done);
  CHECK(r.consumed == first.size());
  CHECK(h.head.target == "/a");
  CHECK(h.listener.body == "abc");

  SECTION("the parser does not move past a finished message until next_message") {
    RequestParser::Result again = h.feed(std::string_view(all).substr(r.consumed));
    CHECK(again.outcome == Outcome::message_done);
    CHECK(again.consumed == 0);
    CHECK(h.head.target == "/a");
  }

  SECTION("next_message goes on with the following ones") {
    std::size_t off = r.consumed;
    h.next();
    r = h.feed(std::string_view(all).substr(off));
    REQUIRE(r.outcome == Outcome::message_done);
    CHECK(r.consumed == second.size());
    CHECK(h.head.target == "/b");
    CHECK(h.head.keep_alive);

    off += r.consumed;
    h.next();
    r = h.feed(std::string_view(all).substr(off));
    REQUIRE(r.outcome == Outcome::message_done);
    CHECK(r.consumed == third.size());
    CHECK(h.head.target == "/c");
    CHECK_FALSE(h.head.keep_alive);
    CHECK(h.listener.heads == 3);
  }
}

TEST_CASE("a Content-Length body is delivered through on_body", "[request_parser]") {
  const std::string head = "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n";
  Harness h;

  SECTION("in one piece") {
    RequestParser::Result r = h.feed(head + "hello world");
    REQUIRE(r.outcome == Outcome::message_done);
    CHECK(r.consumed == head.size() + 11);
  }
  SECTION("in pieces, with the head arriving alone first") {
    RequestParser::Result r = h.feed(head);
    CHECK(r.outcome == Outcome::need_more);
    CHECK(r.consumed == head.size());
    CHECK(h.listener.heads == 1);
    CHECK(h.parser.in_message());
    CHECK_FALSE(h.parser.in_head());
    CHECK(h.feed("hello").outcome == Outcome::need_more);
    CHECK(h.feed(" ").outcome == Outcome::need_more);
    r = h.feed("worldGET");
    REQUIRE(r.outcome == Outcome::message_done);
    CHECK(r.consumed == 5);
  }
  CHECK(h.listener.body == "hello world");
  CHECK(h.head.content_length == 11u);
  CHECK_FALSE(h.head.chunked);
  CHECK(h.head.has_body());
}

TEST_CASE("a chunked body is decoded and its trailers kept apart from the headers", "[request_parser]") {
  Harness h;
  RequestParser::Result r = h.feed(chunked_post + "GET / HTTP/1.1\r\n");
  REQUIRE(r.outcome == Outcome::message_done);
  CHECK(r.consumed == chunked_post.size());
  CHECK(h.listener.body == "hello world");
  CHECK(h.head.chunked);
  CHECK_FALSE(h.head.content_length);
  CHECK(field_names(h.head.headers) == "Host;Transfer-Encoding;");
  CHECK(h.head.headers.get("host") == "h");
  CHECK(field_names(h.head.trailers()) == "X-Checksum;Host;");
  CHECK(h.head.trailers().get("x-checksum") == "abc");
  CHECK(h.head.trailers().get("host") == "trailer.example");
}

TEST_CASE("a chunked body fed byte by byte gives the same body and trailers", "[request_parser]") {
  Harness h;
  RequestParser::Result r;
  std::size_t consumed = 0;
  for (char c : chunked_post) {
    r = h.feed(std::string_view(&c, 1));
    REQUIRE(r.outcome != Outcome::error);
    consumed += r.consumed;
  }
  CHECK(r.outcome == Outcome::message_done);
  CHECK(consumed == chunked_post.size());
  CHECK(h.listener.body == "hello world");
  CHECK(field_names(h.head.headers) == "Host;Transfer-Encoding;");
  CHECK(h.head.trailers().get("x-checksum") == "abc");
}

TEST_CASE("framing and syntax errors get the status RFC 9112 asks for", "[request_parser]") {
  struct Case {
    const char* what;
    std::string data;
    int status;
  };
  auto c = GENERATE(values<Case>({
      {"Content-Length then Transfer-Encoding",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"Transfer-Encoding then Content-Length",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400},
      {"two different Content-Lengths", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
       400},
      {"non-numeric Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5x\r\n\r\n", 400},
      {"negative Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400},
      {"chunked, then another coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
      {"a coding without chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
      {"chunked twice", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400},
      {"chunked twice in two fields",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"an empty coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,chunked\r\n\r\n", 400},
      {"an unknown coding before chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       501},
      {"an unknown coding in an earlier field",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
      {"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"bad chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {"chunk data longer than its size",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", 400},
      {"HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400},
      {"HTTP/1.1 with two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400},
      {"HTTP/1.0 with two Hosts", "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400},
      {"HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 505},
      {"HTTP/1.2", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505},
      {"HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
      {"the HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
      {"HTTP/3.0", "GET / HTTP/3.0\r\nHost: h\r\n\r\n", 505},
      {"a malformed version", "GET / HTTP/1.x\r\nHost: h\r\n\r\n", 400},
      {"a method with a character no token has", "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"a method after a space", " GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"a tab after the method", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400},
      {"a space before the colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400},
      {"an empty field name", "GET / HTTP/1.1\r\nHost: h\r\n: x\r\n\r\n", 400},
      {"a control character in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\x01\r\n\r\n", 400},
      {"a head ending in CRLF LF", "GET / HTTP/1.1\r\nHost: h\r\n\n", 400},
      {"two empty lines before the request", "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"a fragment after the path", "GET /p#f HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"a fragment after the query", "GET /p?q=1#f HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"a fragment in absolute form", "GET http://h/p#f HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"the asterisk form for GET", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"the asterisk form for POST", "POST * HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", 400},
  }));
  INFO(c.what);
  CHECK(status_of(c.data) == c.status);
}

TEST_CASE("an error's reason says what was wrong in words, not a parser code", "[request_parser]") {
  struct Case {
    std::string data;
    std::string_view reason;
  };
  auto c = GENERATE(values<Case>({
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5x\r\n\r\n", "Content-Length is not one decimal number"},
      {"GET / HTTP/1.1\r\nHo st: h\r\n\r\n", "a header field name or value holds a character not allowed in it"},
      {"GET / HTTP/1.1\r\nHost: h\x01\r\n\r\n", "control character in request head"},
      {"GET /a b HTTP/1.1\r\nHost: h\r\n\r\n",  // llhttp sees "b" where the version belongs first
       "the request line does not end with a valid HTTP version (HTTP/1.1 or HTTP/1.0)"},
      {"GET /a\x7f" "b HTTP/1.1\r\nHost: h\r\n\r\n", "control character in request head"},
      {"GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", "a method that is not a token"},
      {"GET / HTTP/1.2\r\nHost: h\r\n\r\n", "only HTTP/1.1 and HTTP/1.0 are supported"},
      {"GET / HTTP/x\r\nHost: h\r\n\r\n",
       "the request line does not end with a valid HTTP version (HTTP/1.1 or HTTP/1.0)"},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
       "Content-Length is given more than once, or beside Transfer-Encoding"},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "malformed chunk size"},
      {"GET /p#f HTTP/1.1\r\nHost: h\r\n\r\n", "a fragment (#...) in the request-target"},
  }));
  INFO(c.data);
  Harness h;
  RequestParser::Result r = h.feed(c.data);
  REQUIRE(r.outcome == Outcome::error);
  CHECK(r.reason == c.reason);
}

TEST_CASE("any token is a method, and reaches the head as it was sent", "[request_parser]") {
  auto method = GENERATE(as<std::string>{}, "GET", "PROPFIND", "MKCALENDAR", "FOO-BAR", "get", "X_1.2!#$%&'*+^`|~",
                         "DESCRIBE", "A");
  Harness h;
  const std::string request = method + " /p HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok";
  for (std::size_t at = 0; at <= request.size(); ++at) {
    h.next();
    INFO(method << " cut at " << at);
    RequestParser::Result first = h.feed(std::string_view(request).substr(0, at));
    REQUIRE(first.outcome != Outcome::error);
    if (first.outcome == Outcome::need_more) REQUIRE(h.feed(std::string_view(request).substr(at)).outcome == Outcome::message_done);
    CHECK(h.head.method == method);
    CHECK(h.head.target == "/p");
    CHECK(h.listener.body == "ok");
  }
}

TEST_CASE("valid framing variants are accepted", "[request_parser]") {
  auto data = GENERATE(as<std::string>{},
                       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n",
                       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
                       "GET / HTTP/1.0\r\n\r\n",
                       "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
                       "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
  INFO(data);
  CHECK(status_of(data) == 0);
}

TEST_CASE("keep-alive follows the version and the Connection field", "[request_parser]") {
  struct Case {
    std::string data;
    bool keep_alive;
  };
  auto c = GENERATE(values<Case>({
      {"GET / HTTP/1.1\r\nHost: h\r\n\r\n", true},
      {"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false},
      {"GET / HTTP/1.0\r\n\r\n", false},
      {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
      {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true},
  }));
  INFO(c.data);
  Harness h;
  REQUIRE(h.feed(c.data).outcome == Outcome::message_done);
  CHECK(h.head.keep_alive == c.keep_alive);
  CHECK(h.head.version_minor == (c.data.find("HTTP/1.0") != std::string::npos ? 0 : 1));
}

TEST_CASE("a target in absolute form is answered as its origin form, with its authority as Host", "[request_parser]") {
  struct Case {
    std::string data, target, host;
  };
  auto c = GENERATE(values<Case>({
      {"GET http://example.com:8080/a/b?x=1&y=http://z HTTP/1.1\r\nHost: other\r\n\r\n", "/a/b?x=1&y=http://z",
       "example.com:8080"},
      {"GET HTTPS://Example.COM HTTP/1.1\r\nHost: example.com\r\n\r\n", "/", "Example.COM"},
      {"GET http://h?q=1 HTTP/1.1\r\nHost: h\r\n\r\n", "/?q=1", "h"},
      {"GET http://[::1]:80/x HTTP/1.0\r\n\r\n", "/x", "[::1]:80"},  // HTTP/1.0 needs no Host
      {"GET /path?next=http://x/ HTTP/1.1\r\nHost: h\r\n\r\n", "/path?next=http://x/", "h"},  // origin form
      {"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "*", "h"},
  }));
  INFO(c.data);
  Harness h;
  REQUIRE(h.feed(c.data).outcome == Outcome::message_done);
  CHECK(h.head.target == c.target);
  CHECK(h.head.path() == c.target.substr(0, c.target.find('?')));
  CHECK(h.head.headers.count("host") == 1);
  CHECK(h.head.headers.get("host") == c.host);
}

TEST_CASE("a target in absolute form without a usable authority is a 400", "[request_parser]") {
  auto data = GENERATE(as<std::string>{},
                       "GET ftp://h/x HTTP/1.1\r\nHost: h\r\n\r\n",        // a scheme that is not ours
                       "GET http://user:pw@h/x HTTP/1.1\r\nHost: h\r\n\r\n",  // userinfo
                       "GET http://h/x HTTP/1.1\r\n\r\n");                     // HTTP/1.1 still needs a Host
  INFO(data);
  CHECK(status_of(data) == 400);
}

TEST_CASE("after a declined Upgrade the next message still parses as HTTP", "[request_parser]") {
  const std::string upgrade =
      "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
  const std::string next = "GET /after HTTP/1.1\r\nHost: h\r\n\r\n";
  Harness h;
  RequestParser::Result r = h.feed(upgrade + next);
  REQUIRE(r.outcome == Outcome::message_done);
  CHECK(r.consumed == upgrade.size());
  CHECK(h.head.target == "/chat");
  CHECK(h.head.headers.get("upgrade") == "websocket");

  h.next();
  r = h.feed(std::string_view(upgrade + next).substr(upgrade.size()));
  REQUIRE(r.outcome == Outcome::message_done);
  CHECK(r.consumed == next.size());
  CHECK(h.head.target == "/after");
  CHECK(h.listener.heads == 2);
}

TEST_CASE("chunk extensions are capped per chunk", "[request_parser]") {
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  struct Case {
    const char* what;
    std::string chunks;
    int status;
  };
  auto c = GENERATE(values<Case>({
      {"at the cap", "1;abcd=efgh\r\na\r\n0\r\n\r\n", 0},
      {"one byte over the cap", "1;abcd=efghi\r\na\r\n0\r\n\r\n", 400},
      {"several extensions at the cap", "1;abcd;efgh\r\na\r\n0\r\n\r\n", 0},
      {"several extensions adding up past the cap", "1;ab=cd;efgh;x\r\na\r\n0\r\n\r\n", 400},
      {"a quoted value's quotes and escapes not counted", "1;ab=\"c\\\"d\"\r\na\r\n0\r\n\r\n", 0},
      {"the cap counted again for each chunk", "1;abcd=efgh\r\na\r\n1;abcd=efgh\r\nb\r\n0;abcd=efgh\r\n\r\n", 0},
  }));
  INFO(c.what);
  Harness h;
  h.limits.max_chunk_extension_bytes = 8;
  RequestParser::Result r = h.feed(head + c.chunks);
  CHECK(r.status == c.status);
  CHECK(r.outcome == (c.status ? Outcome::error : Outcome::message_done));
  if (c.status) CHECK(r.reason == "chunk extension too long");
}

TEST_CASE("chunk extensions follow RFC 9112 7.1.1, whitespace around ';' and '=' included", "[request_parser]") {
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  struct Case {
    const char* chunk_line;
    int status;
  };
  auto c = GENERATE(values<Case>({
      {"3;a=b", 0},
      {"3 ;a=b", 0},
      {"3\t; a = b ;c ; d=\"x y\"", 0},
      {"3;a=\"quoted \\\" pair\"", 0},
      {"003;a", 0},
      {"3 ", 400},        // whitespace only before a ';'
      {"3;a ", 400},
      {"3;a=b ", 400},
      {"3;a=\"b\" ", 400},
      {"3;a =b", 0},
      {"3 x", 400},       // not a ';'
      {"3;", 400},        // no name
      {"3;a=", 400},      // no value
      {"3;a b", 400},     // a second token without ';'
      {"3;a=\"b", 400},   // an unclosed quote, then CR
      {"3;a=b\x01", 400},
      {";a=b", 400},      // no size
      {"3\r\n\x01", 400},
  }));
  INFO(c.chunk_line);
  const std::string data = head + c.chunk_line + "\r\nabc\r\n0\r\n\r\n";
  Harness h;
  RequestParser::Result r = h.feed(data);
  CHECK(r.status == c.status);
  if (c.status == 0) CHECK(h.listener.body == "abc");
  // The same cut at every point and byte by byte.
  using updraft::testing::ParserReplay;
  const std::string whole = ParserReplay::whole(small_limits(), data);
  for (std::size_t cut = 0; cut <= data.size(); ++cut) REQUIRE(ParserReplay::cut_at(small_limits(), data, cut) == whole);
  REQUIRE(ParserReplay::in_pieces(small_limits(), data, 1) == whole);
}

TEST_CASE("the listener can reject a request from on_head or on_body", "[request_parser]") {
  const std::string request = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
  Harness h;

  SECTION("on_head, before any body byte") {
    h.listener.head_status = 413;
    RequestParser::Result r = h.feed(request);
    CHECK(r.outcome == Outcome::error);
    CHECK(r.status == 413);
    CHECK(r.reason == "rejected by the listener");
    CHECK(h.listener.body.empty());
  }
  SECTION("on_body") {
    h.listener.body_status = 413;
    RequestParser::Result r = h.feed(request);
    CHECK(r.outcome == Outcome::error);
    CHECK(r.status == 413);
    CHECK(h.listener.body == "hello");
  }
  CHECK(h.listener.heads == 1);
}

TEST_CASE("head limits are enforced through the parser", "[request_parser]") {
  Harness h;
  h.limits.max_request_line = 20;

  SECTION("414 for a long request line") {
    RequestParser::Result r = h.feed("GET /0123456789abcdef HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(r.outcome == Outcome::error);
    CHECK(r.status == 414);
    CHECK(r.consumed == 20);
    CHECK(r.reason == "request line too long (the limit is 20 bytes)");
  }
  SECTION("431 for too many fields") {
    h.limits.max_header_count = 1;
    RequestParser::Result r = h.feed("GET / HTTP/1.1\r\nHost: h\r\nX: y\r\n\r\n");
    CHECK(r.outcome == Outcome::error);
    CHECK(r.status == 431);
    CHECK(r.reason == "too many header fields (the limit is 1)");
  }
  SECTION("431 for trailers larger than the header limit") {
    h.limits.max_header_bytes = 16;
    RequestParser::Result r = h.feed(
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: 0123456789\r\n\r\n");
    CHECK(r.outcome == Outcome::error);
    CHECK(r.status == 431);
    CHECK(r.reason == "request headers too large (the limit is 16 bytes in all)");  // the scanner reads trailers too
  }
  SECTION("431 for one field or all of them over their limits") {
    h.limits.max_header_field_size = 10;
    CHECK(h.feed("GET / HTTP/1.1\r\nHost: h\r\nX: 0123456789\r\n\r\n").reason ==
          "header field too large (the limit is 10 bytes)");
    Harness all;
    all.limits.max_header_bytes = 12;
    CHECK(all.feed("GET / HTTP/1.1\r\nHost: h\r\nX: 01234567\r\n\r\n").reason ==
          "request headers too large (the limit is 12 bytes in all)");
  }
}

namespace {
const std::string upgrade_request = "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n";
const std::string connect_request = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n";

// Heads a connection may see, alone and after a declined Upgrade or a CONNECT.
std::vector<std::pair<std::string, std::string>> replay_corpus() {
  const std::vector<std::pair<std::string, std::string>> heads = {
      {"a simple GET", "GET /path?q=1 HTTP/1.1\r\nHost: a\r\nUser-Agent:  t/1 \r\n\r\n"},
      {"a leading empty line", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"},
      {"a POST with a body", "POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"},
      {"a chunked POST with trailers", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       "3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n"},
      {"pipelined GETs", "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.0\r\n\r\n"},
      {"a field over its limit", "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(60, 'A') + "\r\n\r\n"},
      {"fields over the total limit",
       "GET / HTTP/1.1\r\nHost: a\r\nX1: " + std::string(40, 'A') + "\r\nX2: " + std::string(40, 'B') + "\r\n\r\n"},
      {"too many fields", "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"},
      {"a request line over its limit", "GET /" + std::string(50, 'p') + " HTTP/1.1\r\nHost: a\r\n\r\n"},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-Fold: a\r\n folded\r\n\r\n"},
      {"a bare LF", "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n"},
      {"a control character", "GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n"},
      {"HTTP/0.9 spacing", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n"},
      {"a chunk extension over its limit", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                                           "1;abcdefghij\r\na\r\n0\r\n\r\n"},
      {"trailers over the limit", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "0\r\nT: " + std::string(100, 'x') + "\r\n\r\n"},
      {"a head cut short", "GET / HTTP/1.1\r\nHost: a\r\n"},
  };
  std::vector<std::pair<std::string, std::string>> corpus;
  for (const auto& [what, head] : heads) {
    corpus.emplace_back(what, head);
    corpus.emplace_back(what + std::string(", after a declined Upgrade"), upgrade_request + head);
    corpus.emplace_back(what + std::string(", after a declined Upgrade and an empty line"),
                        upgrade_request + "\r\n" + head);
    corpus.emplace_back(what + std::string(", after a CONNECT"), connect_request + head);
  }
  return corpus;
}

// The transcript of the second message of a replay (the first is the Upgrade or CONNECT).
std::string without_first_message(const std::string& transcript) { return transcript.substr(transcript.find('\n') + 1); }
}  // namespace

TEST_CASE("every head replays the same whole, cut at every point and byte by byte", "[request_parser]") {
  using updraft::testing::ParserReplay;
  const Limits limits = small_limits();
  for (const auto& [what, data] : replay_corpus()) {
    INFO(what);
    const std::string whole = ParserReplay::whole(limits, data);
    INFO(whole);
    for (std::size_t cut = 1; cut < data.size(); ++cut) {
      INFO("cut at " << cut);
      REQUIRE(ParserReplay::cut_at(limits, data, cut) == whole);
    }
    REQUIRE(ParserReplay::in_pieces(limits, data, 1) == whole);
    REQUIRE(ParserReplay::in_pieces(limits, data, 7) == whole);
  }
}

TEST_CASE("a declined Upgrade or CONNECT changes nothing for the request after it", "[request_parser]") {
  using updraft::testing::ParserReplay;
  const Limits limits = small_limits();
  for (const auto& [what, data] : replay_corpus()) {
    if (data.rfind(upgrade_request, 0) != 0 && data.rfind(connect_request, 0) != 0) continue;
    INFO(what);
    std::string alone = data.substr(data.rfind(upgrade_request, 0) == 0 ? upgrade_request.size() : connect_request.size());
    std::string after = ParserReplay::whole(limits, data);
    CHECK(without_first_message(after) == ParserReplay::whole(limits, alone));
    // The reproduction of the header-limit bypass: the next head arrives in pieces after the Upgrade was parsed.
    CHECK(ParserReplay::run(limits, {data.substr(0, data.size() - alone.size()), alone.substr(0, 2),
                                     alone.substr(2, 16), alone.substr(18)}) == after);
  }
}

TEST_CASE("after a declined Upgrade an oversized head is still refused with 431", "[request_parser]") {
  using updraft::testing::ParserReplay;
  Limits limits;  // the defaults, as the reproduction ran
  std::string big = "Host: a\r\nX-Big: " + std::string(200000, 'A') + "\r\n\r\n";
  std::string transcript = ParserReplay::run(limits, {upgrade_request, "\r\nGET / HTTP/1.1\r\n", big});
  CHECK(without_first_message(transcript) == "error 431 header field too large (the limit is 8190 bytes)\n");
  CHECK(ParserReplay::run(limits, {upgrade_request, "GET / ", "HTTP/1.1\r\nHost: a\r\n\r\n"}) ==
        ParserReplay::run(limits, {upgrade_request + "GET / HTTP/1.1\r\nHost: a\r\n\r\n"}));
}

// Found by tests/fuzz/request_parser_fuzz.cpp: given a head in one piece, the scanner reported an error it found late
// in it (414, 431, a bare LF's 400) before llhttp had seen an earlier bad byte (400, or 505 for the version); cut
// before the scanner's error, llhttp's came first. The status depended on how the bytes arrived.
TEST_CASE("the first error decides the status however the bytes are cut", "[request_parser]") {
  using updraft::testing::ParserReplay;
  const Limits limits = small_limits();
  const std::vector<std::string> inputs = {
      "@ /" + std::string(50, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n",                        // bad method, then 414
      "GET / HTTP/2.1\r\nHost: a\nX: y\r\n\r\n",                                            // 505 version, then 400
      "GET / HTTP/1.1\r\n\xfdHost: a\r\nX-Big: " + std::string(60, 'A') + "\r\n\r\n",      // bad name, then 431
      connect_request + "GET / HTTP/1.1\r\n\xfdHost: a\r\nX-Big: " + std::string(60, 'A') + "\r\n\r\n",
  };
  for (const std::string& data : inputs) {
    INFO(data);
    const std::string whole = ParserReplay::whole(limits, data);
    CHECK(ParserReplay::in_pieces(limits, data, 1) == whole);
    std::vector<std::size_t> differing_cuts;
    for (std::size_t cut = 1; cut < data.size(); ++cut)
      if (ParserReplay::cut_at(limits, data, cut) != whole) differing_cuts.push_back(cut);
    CHECK(differing_cuts == std::vector<std::size_t>{});
  }
}
