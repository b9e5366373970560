"""Persistent connections: HTTP/1.1 keep-alive, HTTP/1.0 close and keep-alive, Connection: close, HEAD, Date."""
import email.utils
import select

import pytest
import socket
import struct
import time

from support import GET, SANITIZED, ResponseReader, is_open, read_until_closed, split_responses


def test_several_requests_on_one_connection(hello):
    s = hello.connect()
    r = ResponseReader(s)
    for i in range(5):
        s.sendall(GET)
        status, headers, body = r.read()
        assert (status, body) == (200, b"Hello, World!")
        assert headers["content-length"] == "13"
        assert "connection" not in headers
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello")
    assert r.read()[::2] == (200, b"hello")
    assert is_open(s)


def test_http10_closes_by_default(hello):
    s = hello.connect()
    s.sendall(b"GET / HTTP/1.0\r\n\r\n" + GET)
    data = read_until_closed(s)
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nConnection: close\r\n" in data
    assert data.endswith(b"\r\n\r\nHello, World!")
    assert data.count(b"HTTP/1.1 ") == 1


def test_http10_keep_alive_is_honoured(hello):
    s = hello.connect()
    r = ResponseReader(s)
    for _ in range(3):
        s.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        status, headers, body = r.read()
        assert (status, body) == (200, b"Hello, World!")
        assert headers["connection"].lower() == "keep-alive"
    assert is_open(s)
    s.sendall(GET)
    assert r.read()[::2] == (200, b"Hello, World!")


def test_connection_close_is_honoured(hello):
    s = hello.connect()
    s.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n" + GET)
    data = read_until_closed(s)
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nConnection: close\r\n" in data
    assert data.count(b"HTTP/1.1 ") == 1


def test_connection_close_among_other_tokens(hello):
    s = hello.connect()
    s.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: TE, close\r\nTE: trailers\r\n\r\n")
    data = read_until_closed(s)
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nConnection: close\r\n" in data


def test_head_sends_content_length_and_no_body(hello):
    s = hello.connect()
    # A GET right behind the HEAD: any body bytes after the HEAD response would corrupt it.
    s.sendall(b"HEAD / HTTP/1.1\r\nHost: test\r\n\r\n" + GET)
    s.settimeout(5)
    data = b""
    while data.count(b"Hello, World!") < 1:
        chunk = s.recv(65536)
        assert chunk, f"closed early: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nContent-Length: 13" in head
    assert rest.startswith(b"HTTP/1.1 200 OK\r\n")
    assert rest.endswith(b"\r\n\r\nHello, World!")


def test_head_on_http10_closes_without_a_body(hello):
    s = hello.connect()
    s.sendall(b"HEAD / HTTP/1.0\r\n\r\n")
    data = read_until_closed(s)
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    assert data.endswith(b"\r\n\r\n")
    assert b"Content-Length: 13\r\n" in data


def test_one_leading_crlf_is_tolerated(hello):
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(b"\r\n" + GET)
    assert r.read()[::2] == (200, b"Hello, World!")
    s.sendall(b"\r\n" + GET)
    assert r.read()[::2] == (200, b"Hello, World!")


def test_date_header_is_present_and_current(hello):
    s = hello.connect()
    s.sendall(GET)
    _, headers, _ = ResponseReader(s).read()
    assert headers["date"].endswith(" GMT")
    date = email.utils.parsedate_to_datetime(headers["date"])
    assert abs(date.timestamp() - time.time()) < 5


def test_date_header_on_error_responses(hello):
    s = hello.connect()
    s.sendall(b"GET / HTTP/1.1\r\n\r\n")
    data = read_until_closed(s)
    assert data.startswith(b"HTTP/1.1 400 ")
    assert b"\r\nDate: " in data


def test_body_split_across_many_sends(hello):
    s = hello.connect()
    r = ResponseReader(s)
    body = b"x" * 100_000
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\n")
    for i in range(0, len(body), 7_000):
        s.sendall(body[i:i + 7_000])
    status, headers, echoed = r.read()
    assert status == 200
    assert echoed == body
    s.sendall(GET)
    assert r.read()[::2] == (200, b"Hello, World!")


def test_requests_before_a_half_close_are_answered(hello):
    s = hello.connect()
    s.sendall(GET + b"GET /sleep?ms=200 HTTP/1.1\r\nHost: test\r\n\r\n"
              + b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\n\r\nhi")
    s.shutdown(socket.SHUT_WR)
    responses = split_responses(read_until_closed(s))
    assert [(r[0], r[2]) for r in responses] == [(200, b"Hello, World!"), (200, b"slept 200 ms"), (200, b"hi")]


def test_clients_leaving_mid_request_do_not_hurt_the_server(hello):
    for i in range(50):
        s = hello.connect()
        s.sendall(b"GET /sleep?ms=100 HTTP/1.1\r\nHost: test\r\n\r\n")
        if i % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, not FIN
        s.close()
    time.sleep(0.3)
    s = hello.connect()
    s.sendall(GET)
    assert ResponseReader(s).read()[::2] == (200, b"Hello, World!")
    assert hello.proc.poll() is None


def test_a_connection_quiet_between_and_inside_requests_still_serves(hello):
    # After about half a second without input a connection gives back its read buffer and waits cold.
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(GET)
    assert r.read()[::2] == (200, b"Hello, World!")
    time.sleep(1.0)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: te")
    time.sleep(1.0)
    s.sendall(b"st\r\nContent-Length: 10\r\n\r\nhello")
    time.sleep(1.0)
    s.sendall(b"world")
    assert r.read()[::2] == (200, b"helloworld")
    s.sendall(GET)
    assert r.read()[::2] == (200, b"Hello, World!")
    assert is_open(s)


@pytest.mark.skipif(SANITIZED, reason="sanitizer allocators keep freed memory")
def test_idle_connections_give_back_their_read_buffers(hello):
    conns = [hello.connect() for _ in range(20)]  # warm the pools
    for s in conns:
        s.sendall(GET)
        ResponseReader(s).read()
        s.close()
    time.sleep(1.0)
    before = hello.rss_kib()
    conns = [hello.connect() for _ in range(500)]
    for s in conns:
        s.sendall(GET)
        assert ResponseReader(s).read()[0] == 200
    time.sleep(1.5)
    grown = hello.rss_kib() - before
    # A read buffer kept per idle connection would be at least its one touched page: 2,000 KiB here.
    assert grown < 500 * 2.5, f"VmRSS grew {grown} KiB for 500 idle connections"
    assert not select.select(conns, [], [], 0)[0], "idle connections were closed or written to"
