// Unit tests for the response encoder: framing decisions and the exact bytes of heads, chunks and errors.
#include <catch2/catch.hpp>

#include <string>

#include "core/http/response_encoder.hpp"

using updraft::BodyFraming;
using updraft::HeaderList;
using updraft::RequestHead;
using updraft::ResponsePlan;

namespace {

const std::string date = "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n";

// What a test case's request is, made into a RequestHead (which, pooled, is not copied) where it is used.
struct Request {
  const char* method;
  int version_minor;
  bool keep_alive;
};

RequestHead request(std::string_view method, int version_minor, bool keep_alive) {
  RequestHead head;
  head.method = method;
  head.target = "/";
  head.version_minor = version_minor;
  head.keep_alive = keep_alive;
  return head;
}

HeaderList fields(std::initializer_list<std::pair<std::string_view, std::string_view>> list) {
  HeaderList headers;
  for (auto [name, value] : list) headers.add(name, value);
  return headers;
}

// Plans and encodes a head the way the connection does.
std::string head_bytes(const RequestHead& req, int status, const HeaderList& headers, bool must_close = false) {
  std::string out;
  updraft::encode_head(out, req, status, headers, updraft::plan_response(req, status, headers, must_close), date);
  return out;
}

}  // namespace

TEST_CASE("plan_response picks the framing RFC 9112 allows", "[response_encoder]") {
  struct Case {
    const char* what;
    std::string_view method;
    int version_minor;
    int status;
    std::string_view content_length;  // empty: the handler gave none
    BodyFraming framing;
    std::uint64_t length;
    bool keep_alive;
  };
  auto c = GENERATE(values<Case>({
      {"1.1 with a length", "GET", 1, 200, "5", BodyFraming::content_length, 5, true},
      {"1.1 with a zero length", "GET", 1, 200, "0", BodyFraming::content_length, 0, true},
      {"1.1 without a length", "GET", 1, 200, "", BodyFraming::chunked, 0, true},
      {"1.1 with a malformed length", "GET", 1, 200, "5x", BodyFraming::chunked, 0, true},
      {"1.1 with a negative length", "GET", 1, 200, "-1", BodyFraming::chunked, 0, true},
      {"1.0 keep-alive with a length", "GET", 0, 200, "5", BodyFraming::content_length, 5, true},
      {"1.0 keep-alive without a length", "GET", 0, 200, "", BodyFraming::until_close, 0, false},
      {"HEAD", "HEAD", 1, 200, "5", BodyFraming::none, 0, true},
      {"HEAD without a length", "HEAD", 0, 200, "", BodyFraming::none, 0, true},
      {"100", "GET", 1, 100, "", BodyFraming::none, 0, true},
      {"101", "GET", 1, 101, "", BodyFraming::none, 0, true},
      {"204", "GET", 1, 204, "5", BodyFraming::none, 0, true},
      {"304", "GET", 1, 304, "5", BodyFraming::none, 0, true},
      {"404 without a length", "POST", 1, 404, "", BodyFraming::chunked, 0, true},
  }));
  INFO(c.what);
  HeaderList headers;
  if (!c.content_length.empty()) headers.add("Content-Length", c.content_length);
  ResponsePlan plan = updraft::plan_response(request(c.method, c.version_minor, true), c.status, headers, false);
  CHECK(plan.framing == c.framing);
  CHECK(plan.length == c.length);
  CHECK(plan.keep_alive == c.keep_alive);
}

TEST_CASE("plan_response closes when the request or the server asks", "[response_encoder]") {
  HeaderList headers = fields({{"Content-Length", "2"}});
  CHECK_FALSE(updraft::plan_response(request("GET", 1, false), 200, headers, false).keep_alive);
  CHECK_FALSE(updraft::plan_response(request("GET", 1, true), 200, headers, true).keep_alive);
  CHECK(updraft::plan_response(request("GET", 1, true), 200, headers, false).keep_alive);
}

TEST_CASE("encode_head writes the status line, Date, the handler's fields and our framing", "[response_encoder]") {
  struct Case {
    const char* what;
    Request req;
    int status;
    HeaderList headers;
    bool must_close;
    std::string expected;
  };
  auto c = GENERATE(values<Case>({
      {"1.1 with a length", Request{"GET", 1, true}, 200,
       fields({{"Content-Type", "text/plain"}, {"Content-Length", "13"}}), false,
       "HTTP/1.1 200 OK\r\n" + date + "Content-Type: text/plain\r\nContent-Length: 13\r\n\r\n"},
      {"1.1 streamed", Request{"GET", 1, true}, 200, fields({{"X-A", "1"}, {"X-A", "2"}}), false,
       "HTTP/1.1 200 OK\r\n" + date + "X-A: 1\r\nX-A: 2\r\nTransfer-Encoding: chunked\r\n\r\n"},
      {"1.1 when the server must close", Request{"GET", 1, true}, 404, fields({{"Content-Length", "0"}}), true,
       "HTTP/1.1 404 Not Found\r\n" + date + "Content-Length: 0\r\nConnection: close\r\n\r\n"},
      {"1.1 when the client asked to close", Request{"GET", 1, false}, 200, fields({{"Content-Length", "1"}}), false,
       "HTTP/1.1 200 OK\r\n" + date + "Content-Length: 1\r\nConnection: close\r\n\r\n"},
      {"1.0 keep-alive with a length", Request{"GET", 0, true}, 200, fields({{"Content-Length", "1"}}), false,
       "HTTP/1.1 200 OK\r\n" + date + "Content-Length: 1\r\nConnection: keep-alive\r\n\r\n"},
      {"1.0 keep-alive without a length", Request{"GET", 0, true}, 200, fields({{"Content-Type", "text/html"}}),
       false, "HTTP/1.1 200 OK\r\n" + date + "Content-Type: text/html\r\nConnection: close\r\n\r\n"},
      {"1.0 without keep-alive", Request{"GET", 0, false}, 200, fields({{"Content-Length", "1"}}), false,
       "HTTP/1.1 200 OK\r\n" + date + "Content-Length: 1\r\nConnection: close\r\n\r\n"},
      {"HEAD repeats the GET's length", Request{"HEAD", 1, true}, 200, fields({{"Content-Length", "13"}}), false,
       "HTTP/1.1 200 OK\r\n" + date + "Content-Length: 13\r\n\r\n"},
      {"HEAD without a length", Request{"HEAD", 1, true}, 200, fields({{"ETag", "\"x\""}}), false,
       "HTTP/1.1 200 OK\r\n" + date + "ETag: \"x\"\r\n\r\n"},
      {"204 drops a length", Request{"DELETE", 1, true}, 204, fields({{"Content-Length", "5"}}), false,
       "HTTP/1.1 204 No Content\r\n" + date + "\r\n"},
      {"304 drops a length", Request{"GET", 1, true}, 304, fields({{"Content-Length", "5"}, {"ETag", "\"x\""}}), false,
       "HTTP/1.1 304 Not Modified\r\n" + date + "ETag: \"x\"\r\n\r\n"},
      {"an unknown status", Request{"GET", 1, true}, 299, fields({{"Content-Length", "0"}}), false,
       "HTTP/1.1 299 Unknown\r\n" + date + "Content-Length: 0\r\n\r\n"},
      {"hop-by-hop and framing fields from the handler are dropped", Request{"GET", 1, true}, 200,
       fields({{"connection", "keep-alive"},
               {"Keep-Alive", "timeout=5"},
               {"Transfer-Encoding", "gzip"},
               {"DATE", "yesterday"},
               {"Content-Length", "2"},
               {"Server", "updraft"}}),
       false, "HTTP/1.1 200 OK\r\n" + date + "Server: updraft\r\nContent-Length: 2\r\n\r\n"},
  }));
  INFO(c.what);
  RequestHead req = request(c.req.method, c.req.version_minor, c.req.keep_alive);
  CHECK(head_bytes(req, c.status, c.headers, c.must_close) == c.expected);
}

TEST_CASE("encode_head appends to what the buffer already holds", "[response_encoder]") {
  std::string out = "previous response";
  RequestHead req = request("GET", 1, true);
  HeaderList headers = fields({{"Content-Length", "0"}});
  updraft::encode_head(out, req, 200, headers, updraft::plan_response(req, 200, headers, false), date);
  CHECK(out == "previous responseHTTP/1.1 200 OK\r\n" + date + "Content-Length: 0\r\n\r\n");
}

TEST_CASE("encode_chunk frames data with a hex size and never writes an empty chunk", "[response_encoder]") {
  std::string out;
  updraft::encode_chunk(out, "hello");
  CHECK(out == "5\r\nhello\r\n");
  updraft::encode_chunk(out, "");
  CHECK(out == "5\r\nhello\r\n");
  updraft::encode_chunk(out, std::string(26, 'x'));
  CHECK(out == "5\r\nhello\r\n1a\r\n" + std::string(26, 'x') + "\r\n");
  updraft::encode_last_chunk(out);
  CHECK(out.substr(out.size() - 5) == "0\r\n\r\n");
}

TEST_CASE("encode_error writes a complete text/plain response that closes the connection", "[response_encoder]") {
  std::string out;
  SECTION("with a detail") {
    updraft::encode_error(out, 400, "bad chunk size", date);
    CHECK(out == "HTTP/1.1 400 Bad Request\r\n" + date +
                     "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: 32\r\n\r\n"
                     "400 Bad Request: bad chunk size\n");
  }
  SECTION("without one") {
    updraft::encode_error(out, 431, "", date);
    CHECK(out == "HTTP/1.1 431 Request Header Fields Too Large\r\n" + date +
                     "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: 36\r\n\r\n"
                     "431 Request Header Fields Too Large\n");
  }
}

TEST_CASE("reason_phrase knows the statuses the server sends", "[response_encoder]") {
  CHECK(updraft::reason_phrase(200) == "OK");
  CHECK(updraft::reason_phrase(413) == "Content Too Large");
  CHECK(updraft::reason_phrase(414) == "URI Too Long");
  CHECK(updraft::reason_phrase(505) == "HTTP Version Not Supported");
  CHECK(updraft::reason_phrase(799) == "Unknown");
}
