"""The pages the core sends on its own (400, 413, 414, 417, 431, 505) say what was wrong in words, with the limit
that was passed, and never an llhttp error code (HPE_*)."""
import pytest

from support import read_until_closed, split_responses


def answer(server, data):
    """The one response to data, sent on a fresh connection that the server closes: (status, headers, body)."""
    s = server.connect()
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    [r] = split_responses(read_until_closed(s, timeout=5))
    return r.status, r.headers, r.body.decode()


def fields(n, size=10):
    return b"".join(b"X-F%d: %s\r\n" % (i, b"v" * size) for i in range(n))


LIMITS = ("--max-request-line", "100", "--max-header-count", "10", "--max-header-field-size", "200",
          "--max-header-bytes", "1000", "--max-body-size", "1000")


@pytest.mark.parametrize("data, status, words", [
    (b"GET /" + b"x" * 200 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414,
     "URI Too Long: request line too long (the limit is 100 bytes)"),
    (b"GET / HTTP/1.1\r\nHost: t\r\n" + fields(10) + b"\r\n", 431,
     "Request Header Fields Too Large: too many header fields (the limit is 10)"),
    (b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"v" * 300 + b"\r\n\r\n", 431,
     "Request Header Fields Too Large: header field too large (the limit is 200 bytes)"),
    (b"GET / HTTP/1.1\r\nHost: t\r\n" + fields(8, 150) + b"\r\n", 431,
     "Request Header Fields Too Large: request headers too large (the limit is 1000 bytes in all)"),
    (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n", 413,
     "Content Too Large: request body too large (the limit is 1000 bytes)"),
    (b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + b"3e8\r\n" + b"a" * 1000 + b"\r\n"
     + b"1\r\nb\r\n0\r\n\r\n", 413, "Content Too Large: request body too large (the limit is 1000 bytes)"),
    (b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx", 417,
     'Expectation Failed: only "Expect: 100-continue" is supported'),
    (b"GET / HTTP/1.1\r\nHo st: t\r\n\r\n", 400,
     "Bad Request: a header field name or value holds a character not allowed in it"),
    (b"GET / HTTP/1.1\r\nHost: t\r\nX: a\x01b\r\n\r\n", 400, "Bad Request: control character in request head"),
    (b"GET / HTTP/1.1\r\n\r\n", 400, "Bad Request: a request needs exactly one Host"),
    (b"GE(T / HTTP/1.1\r\nHost: t\r\n\r\n", 400, "Bad Request: a method that is not a token"),
    (b"GET a HTTP/1.1\r\nHost: t\r\n\r\n", 400, "Bad Request: the request-target holds a character not allowed "
     "in a URL (spaces and controls must be %-encoded)"),
    (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 12x\r\n\r\n", 400,
     "Bad Request: Content-Length is not one decimal number"),
    (b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
     "Bad Request: malformed chunk size"),
    (b"GET / HTTP/1.1\nHost: t\r\n\r\n", 400, "Bad Request: bare LF in request head"),
    (b"GET / HTTP/3.0\r\nHost: t\r\n\r\n", 505, "HTTP Version Not Supported: only HTTP/1.1 and HTTP/1.0 are supported"),
])
def test_error_pages_say_what_was_wrong(server_factory, data, status, words):
    server = server_factory("hello", *LIMITS)
    got_status, headers, body = answer(server, data)
    assert (got_status, body) == (status, f"{status} {words}\n")
    assert headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("data", [
    b"GET / HTTP/1.1\r\nHost: t\r\nX\x7fY: 1\r\n\r\n",
    b"GET /\x00 HTTP/1.1\r\nHost: t\r\n\r\n",
    b"GET http://a b/ HTTP/1.1\r\nHost: t\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    b"GET / HTP/1.1\r\nHost: t\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\x01\r\nx\r\n0\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS ClientHello on a plain port
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
])
def test_no_page_shows_a_parser_code(hello, data):
    status, _, body = answer(hello, data)
    assert status in (400, 505), body
    assert "HPE_" not in body and "llhttp" not in body, body
    assert body.startswith(f"{status} ") and len(body) > len(f"{status} Bad Request: \n"), body


def test_a_route_limit_is_the_one_named(server_factory):
    app = server_factory("native_test_app", "--threads", "1")
    status, _, body = answer(app, b"POST /limited HTTP/1.1\r\nHost: t\r\nContent-Length: 17\r\n\r\n")
    assert (status, body) == (413, "413 Content Too Large: request body too large (the limit is 16 bytes)\n")
