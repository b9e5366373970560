"""Malformed or ambiguous requests get the right status, the connection closes, and nothing sent after them is served."""
import pytest

from support import GET, ResponseReader, read_until_closed, split_responses


def post(*fields, body=b""):
    head = b"POST /echo HTTP/1.1\r\nHost: test\r\n" + b"".join(f + b"\r\n" for f in fields) + b"\r\n"
    return head + body


def chunked_post(chunks):
    return post(b"Transfer-Encoding: chunked", body=chunks)


CASES = [
    # Framing (RFC 9112 6.1, 6.3).
    ("content-length and transfer-encoding",
     post(b"Content-Length: 5", b"Transfer-Encoding: chunked", body=b"0\r\n\r\n"), 400),
    ("transfer-encoding and content-length",
     post(b"Transfer-Encoding: chunked", b"Content-Length: 5", body=b"0\r\n\r\n"), 400),
    ("two differing content-lengths", post(b"Content-Length: 5", b"Content-Length: 6", body=b"hello!"), 400),
    ("non-numeric content-length", post(b"Content-Length: abc", body=b"abc"), 400),
    ("negative content-length", post(b"Content-Length: -1"), 400),
    ("content-length with a sign", post(b"Content-Length: +5", body=b"hello"), 400),
    ("unknown coding before chunked", post(b"Transfer-Encoding: gzip, chunked", body=b"0\r\n\r\n"), 501),
    ("coding after chunked", post(b"Transfer-Encoding: chunked, gzip", body=b"0\r\n\r\n"), 400),
    ("chunked twice", post(b"Transfer-Encoding: chunked, chunked", body=b"0\r\n\r\n"), 400),
    ("chunked twice in two fields",
     post(b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked", body=b"0\r\n\r\n"), 400),
    ("only an unknown coding", post(b"Transfer-Encoding: gzip", body=b"x"), 400),
    ("transfer-encoding in http/1.0",
     b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400),
    ("bad chunk size", chunked_post(b"zz\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk size overflowing 64 bits", chunked_post(b"1FFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk data longer than its size", chunked_post(b"3\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk extension over 1024 bytes", chunked_post(b"5;ext=" + b"x" * 1100 + b"\r\nhello\r\n0\r\n\r\n"), 400),
    # Trailer sections follow the same field rules as heads (RFC 9112 7.1.2).
    ("obs-fold in a trailer", chunked_post(b"1\r\na\r\n0\r\nX-T: a\r\n b\r\n\r\n"), 400),
    ("trailers ending in CRLF LF", chunked_post(b"1\r\na\r\n0\r\nX-T: a\r\n\n"), 400),
    ("empty trailers ending in LF", chunked_post(b"1\r\na\r\n0\r\n\n"), 400),
    ("trailers ending in CRLF CR and another byte", chunked_post(b"1\r\na\r\n0\r\nX-T: a\r\n\rX"), 400),
    ("empty trailer name", chunked_post(b"1\r\na\r\n0\r\n: a\r\n\r\n"), 400),
    ("control character in a trailer", chunked_post(b"1\r\na\r\n0\r\nX-T: a\x01\r\n\r\n"), 400),
    ("too many trailer fields",
     chunked_post(b"1\r\na\r\n0\r\n" + b"".join(b"X-%d: a\r\n" % i for i in range(200)) + b"\r\n"), 431),
    # Line framing and field syntax (RFC 9112 2.2, 5).
    ("obs-fold with a space", b"GET / HTTP/1.1\r\nHost: test\r\nX-A: a\r\n b\r\n\r\n", 400),
    ("obs-fold with a tab", b"GET / HTTP/1.1\r\nHost: test\r\nX-A: a\r\n\tb\r\n\r\n", 400),
    ("head ending in CRLF LF", b"GET / HTTP/1.1\r\nHost: test\r\n\n", 400),
    ("head ending in CRLF CR and another byte", b"GET / HTTP/1.1\r\nHost: test\r\n\rX", 400),
    ("bare LF line ends", b"GET / HTTP/1.1\nHost: test\n\n", 400),
    ("bare LF inside the head", b"GET / HTTP/1.1\r\nHost: test\nX-A: b\r\n\r\n", 400),
    ("empty header name", b"GET / HTTP/1.1\r\nHost: test\r\n: x\r\n\r\n", 400),
    ("space before the colon", b"GET / HTTP/1.1\r\nHost : test\r\n\r\n", 400),
    ("header line without a colon", b"GET / HTTP/1.1\r\nHost: test\r\nNoColon\r\n\r\n", 400),
    ("\\x01 in a header value", b"GET / HTTP/1.1\r\nHost: test\r\nX-A: a\x01b\r\n\r\n", 400),
    ("\\x7f in a header value", b"GET / HTTP/1.1\r\nHost: test\r\nX-A: a\x7fb\r\n\r\n", 400),
    ("NUL in a header value", b"GET / HTTP/1.1\r\nHost: test\r\nX-A: a\x00b\r\n\r\n", 400),
    ("control character in the target", b"GET /a\x01b HTTP/1.1\r\nHost: test\r\n\r\n", 400),
    ("space in the target", b"GET /a b HTTP/1.1\r\nHost: test\r\n\r\n", 400),
    ("two empty lines before the request line", b"\r\n\r\n" + GET, 400),
    # Request line: method and version (RFC 9112 3, 2.3).
    ("method with a non-token character", b"G@T / HTTP/1.1\r\nHost: test\r\n\r\n", 400),
    ("http/0.9 request line", b"GET /\r\n", 400),
    ("http/0.9 request line and an empty line", b"GET /\r\n\r\n", 400),
    ("malformed version", b"GET / HTTP/1.x\r\nHost: test\r\n\r\n", 400),
    ("lowercase protocol name", b"GET / http/1.1\r\nHost: test\r\n\r\n", 400),
    ("explicit HTTP/0.9 version", b"GET / HTTP/0.9\r\nHost: test\r\n\r\n", 505),
    ("HTTP/1.2", b"GET / HTTP/1.2\r\nHost: test\r\n\r\n", 505),
    ("HTTP/2.0", b"GET / HTTP/2.0\r\nHost: test\r\n\r\n", 505),
    ("HTTP/3.0", b"GET / HTTP/3.0\r\nHost: test\r\n\r\n", 505),
    ("HTTP/2 connection preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
    # Host (RFC 9112 3.2).
    ("http/1.1 without host", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("two host fields", b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400),
    ("two differing host fields in http/1.0", b"GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400),
]


@pytest.mark.parametrize("raw,status", [pytest.param(raw, status, id=name) for name, raw, status in CASES])
def test_rejected_closed_and_nothing_after_served(hello, raw, status):
    s = hello.connect()
    s.sendall(raw + GET)
    responses = split_responses(read_until_closed(s, timeout=5))
    assert [r[0] for r in responses] == [status]
    assert responses[0][1]["connection"] == "close"
    assert "date" in responses[0][1]


def test_bad_request_after_a_good_one_on_the_same_connection(hello):
    s = hello.connect()
    s.sendall(GET + b"GET / HTTP/1.1\r\nHost: test\r\nX-A: a\x01\r\n\r\n" + GET)
    responses = split_responses(read_until_closed(s, timeout=5))
    assert [r[0] for r in responses] == [200, 400]
    assert responses[0][2] == b"Hello, World!"


def test_bad_request_behind_a_slow_one_waits_its_turn(hello):
    s = hello.connect()
    s.sendall(b"GET /sleep?ms=300 HTTP/1.1\r\nHost: test\r\n\r\n" + b"GET / HTTP/1.1\r\n\r\n" + GET)
    responses = split_responses(read_until_closed(s, timeout=5))
    assert [(r[0], r[2][:12]) for r in responses] == [(200, b"slept 300 ms"), (400, b"400 Bad Requ")]


def test_server_keeps_serving_after_bad_requests(hello):
    for name, raw, _ in CASES:
        s = hello.connect()
        s.sendall(raw)
        read_until_closed(s, timeout=5)
    s = hello.connect()
    s.sendall(GET)
    status, _, body = ResponseReader(s).read()
    assert (status, body) == (200, b"Hello, World!")
