// The HTTP client's response parser: each framing (length, chunked, to the end of the connection), HEAD, 204 and 304,
// interim 1xx answers, the limits and malformed responses, each replayed whole, cut at every point and byte by byte.
#include "core/httpclient/response_parser.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "support/response_replay.hpp"

using updraft::testing::ResponseReading;
using updraft::testing::ResponseReplay;

namespace {
std::string every_way(const std::string& bytes, ResponseReading reading = {}) {
  std::string transcript = ResponseReplay::every_way(reading, bytes);
  reading.pieces = !reading.pieces;  // the body taken in pieces or kept whole: the same response
  REQUIRE(ResponseReplay::every_way(reading, bytes) == transcript);
  return transcript;
}
}  // namespace

TEST_CASE("a response framed by Content-Length, and the bytes after it left for the next", "[client_response]") {
  CHECK(every_way("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1") ==
        "200 1.1 reason=\"OK\" [Content-Type: text/plain] [Content-Length: 5] body=5:\"hello\" keep-alive left=8\n");
}

TEST_CASE("a chunked response: its chunks joined, its trailer fields not kept", "[client_response]") {
  CHECK(every_way("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n"
                  "Trailer-Field: 1\r\n\r\n") ==
        "201 1.1 reason=\"Created\" [Transfer-Encoding: chunked] body=5:\"abcde\" keep-alive left=0\n");
}

TEST_CASE("a body that runs to the end of the connection", "[client_response]") {
  CHECK(every_way("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it") ==
        "200 1.1 reason=\"OK\" [Connection: close] body=9:\"all of it\" close left=0\n");
  CHECK(every_way("HTTP/1.0 200 OK\r\n\r\nold") == "200 1.0 reason=\"OK\" body=3:\"old\" close left=0\n");
}

TEST_CASE("the answer to HEAD, a 204 and a 304 have no body whatever their Content-Length", "[client_response]") {
  ResponseReading head;
  head.head_request = true;
  CHECK(every_way("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nX", head) ==
        "200 1.1 reason=\"OK\" [Content-Length: 100000] body=0:\"\" keep-alive left=1\n");
  CHECK(every_way("HTTP/1.1 304 Not Modified\r\nContent-Length: 100000\r\n\r\n") ==
        "304 1.1 reason=\"Not Modified\" [Content-Length: 100000] body=0:\"\" keep-alive left=0\n");
  CHECK(every_way("HTTP/1.1 204 No Content\r\n\r\n") ==
        "204 1.1 reason=\"No Content\" body=0:\"\" keep-alive left=0\n");
}

TEST_CASE("interim 1xx answers are skipped for the final response", "[client_response]") {
  CHECK(every_way("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") ==
        "200 1.1 reason=\"OK\" [Content-Length: 2] body=2:\"ok\" keep-alive left=0\n");
}

TEST_CASE("a body over the limit is refused, before it is read when its length is known", "[client_response]") {
  ResponseReading small;
  small.max_body = 4;
  std::string too_large = "error (too large) response body larger than max_body_size (4 bytes)\n";
  CHECK(every_way("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", small) == too_large);
  CHECK(every_way("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", small) ==
        too_large);
  CHECK(every_way("HTTP/1.1 200 OK\r\n\r\nabcde", small) == too_large);
  CHECK(every_way("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd", small) ==
        "200 1.1 reason=\"OK\" [Content-Length: 4] body=4:\"abcd\" keep-alive left=0\n");
}

TEST_CASE("a head over 64 KiB is refused", "[client_response]") {
  std::string head = "HTTP/1.1 200 OK\r\nX: " + std::string(70 * 1024, 'a') + "\r\n\r\n";
  CHECK(ResponseReplay::whole({}, head) == "error response head larger than 65536 bytes\n");
  CHECK(ResponseReplay::in_pieces({}, head, 1000) == "error response head larger than 65536 bytes\n");
}

TEST_CASE("malformed and cut-short responses are errors in words", "[client_response]") {
  CHECK(every_way("HTTP/1.1 2x0 OK\r\n\r\n").starts_with("error malformed response: "));
  CHECK(every_way("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").starts_with(
      "error malformed response: "));
  CHECK(every_way("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab").starts_with(
      "error malformed response: "));
  CHECK(every_way("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") ==
        "error connection closed before the end of the response\n");
  CHECK(every_way("HTTP/1.1 200 OK\r\nContent-") == "error connection closed before the end of the response\n");
  CHECK(every_way("") == "error connection closed before a response\n");
}
