"""Limits: 414 for a long request line, 431 for too many or too large headers, 413 for a body over the limit."""
import socket
import time

from support import GET, SLACK, ResponseReader, read_until_closed, split_responses


def rejected_with(sock, data, timeout=5):
    """Sends data, reads to close, and returns the statuses of every response."""
    try:
        sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    return [r[0] for r in split_responses(read_until_closed(sock, timeout))]


def test_request_line_at_the_limit_is_served(server_factory):
    server = server_factory("hello", "--max-request-line", "100")
    target = b"/sleep?ms=0&pad=" + b"x" * (100 - len(b"GET /sleep?ms=0&pad= HTTP/1.1"))
    line = b"GET " + target + b" HTTP/1.1"
    assert len(line) == 100
    s = server.connect()
    s.sendall(line + b"\r\nHost: test\r\n\r\n")
    assert ResponseReader(s).read()[::2] == (200, b"slept 0 ms")


def test_long_request_line_is_414(server_factory):
    server = server_factory("hello", "--max-request-line", "100")
    s = server.connect()
    assert rejected_with(s, b"GET /" + b"x" * 200 + b" HTTP/1.1\r\nHost: test\r\n\r\n" + GET) == [414]


def test_default_request_line_limit(hello):
    s = hello.connect()
    assert rejected_with(s, b"GET /" + b"x" * 9000 + b" HTTP/1.1\r\nHost: test\r\n\r\n" + GET) == [414]


def test_414_before_the_line_ends(server_factory):
    # The line never ends: the limit must apply as bytes arrive, not when CRLF comes.
    server = server_factory("hello", "--max-request-line", "100")
    s = server.connect()
    assert rejected_with(s, b"GET /" + b"x" * 500) == [414]


def fields(n, size=10):
    return b"".join(b"X-F%d: %s\r\n" % (i, b"v" * size) for i in range(n))


def test_too_many_headers_is_431(server_factory):
    server = server_factory("hello", "--max-header-count", "10")
    ok = server.connect()
    ok.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n" + fields(9) + b"\r\n")
    assert ResponseReader(ok).read()[0] == 200
    s = server.connect()
    assert rejected_with(s, b"GET / HTTP/1.1\r\nHost: test\r\n" + fields(10) + b"\r\n" + GET) == [431]


def test_too_large_header_field_is_431(server_factory):
    server = server_factory("hello", "--max-header-field-size", "100")
    s = server.connect()
    assert rejected_with(s, b"GET / HTTP/1.1\r\nHost: test\r\nX-Big: " + b"v" * 200 + b"\r\n\r\n" + GET) == [431]


def test_too_many_header_bytes_is_431(server_factory):
    server = server_factory("hello", "--max-header-bytes", "1000")
    s = server.connect()
    assert rejected_with(s, b"GET / HTTP/1.1\r\nHost: test\r\n" + fields(20, 80) + b"\r\n" + GET) == [431]


def test_default_header_bytes_limit(hello):
    s = hello.connect()
    assert rejected_with(s, b"GET / HTTP/1.1\r\nHost: test\r\n" + fields(90, 1000) + b"\r\n" + GET) == [431]


def test_content_length_over_the_limit_is_413_before_the_body(server_factory):
    server = server_factory("hello", "--max-body-size", "1000")
    s = server.connect()
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 1001\r\n\r\n")
    # Only the head was sent: the answer must come without waiting for the body.
    start = time.monotonic()
    assert [r[0] for r in split_responses(read_until_closed(s, timeout=3))] == [413]
    assert time.monotonic() - start < 1 * SLACK


def test_body_at_the_limit_is_served(server_factory):
    server = server_factory("hello", "--max-body-size", "1000")
    s = server.connect()
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\n" + b"b" * 1000)
    assert ResponseReader(s).read()[::2] == (200, b"b" * 1000)


def test_huge_content_length_is_413_with_the_default_limit(hello):
    s = hello.connect()
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n" % (100 * 1024 * 1024 + 1))
    assert [r[0] for r in split_responses(read_until_closed(s, timeout=3))] == [413]


def test_chunked_body_growing_past_the_limit_is_413(server_factory):
    server = server_factory("hello", "--max-body-size", "1000")
    s = server.connect()
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n")
    s.sendall(b"190\r\n" + b"a" * 400 + b"\r\n")
    s.sendall(b"190\r\n" + b"a" * 400 + b"\r\n")
    # The body is now 800 bytes; the next chunk takes it past 1000 and the rest never comes.
    assert rejected_with(s, b"190\r\n" + b"a" * 400 + b"\r\n", timeout=3) == [413]


def test_chunked_body_within_the_limit_is_served(server_factory):
    server = server_factory("hello", "--max-body-size", "1000")
    s = server.connect()
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
              + b"1f4\r\n" + b"a" * 500 + b"\r\n" + b"1f4\r\n" + b"b" * 500 + b"\r\n0\r\n\r\n")
    assert ResponseReader(s).read()[::2] == (200, b"a" * 500 + b"b" * 500)


def test_limits_do_not_leak_between_requests(server_factory):
    # Header counts and sizes are per request: many requests on one connection stay under the limits.
    server = server_factory("hello", "--max-header-count", "5", "--max-header-bytes", "300")
    s = server.connect()
    r = ResponseReader(s)
    for _ in range(20):
        s.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n" + fields(4, 40) + b"\r\n")
        assert r.read()[0] == 200
    s.close()
    s = socket.create_connection((server.host, server.port))
    assert rejected_with(s, b"GET / HTTP/1.1\r\nHost: test\r\n" + fields(6) + b"\r\n") == [431]
