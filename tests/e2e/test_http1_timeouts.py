"""Timeouts: a slow head gets 408, a stalled body gets 408, an idle keep-alive connection is closed."""
import select
import socket
import time

from support import GET, ResponseReader, is_open, read_until_closed, split_responses


def test_partial_head_gets_408(server_factory):
    server = server_factory("hello", "--header-timeout", "1")
    s = server.connect()
    start = time.monotonic()
    s.sendall(b"GET / HTTP/1.1\r\nHost: te")
    responses = split_responses(read_until_closed(s, timeout=4))
    elapsed = time.monotonic() - start
    assert [r[0] for r in responses] == [408]
    assert 0.9 <= elapsed < 2


def test_header_timeout_counts_from_the_first_byte_not_the_last(server_factory):
    # A client trickling one byte every 200 ms still has to finish the head in time.
    server = server_factory("hello", "--header-timeout", "1")
    s = server.connect()
    start = time.monotonic()
    for b in b"GET / HTTP/1.1\r\nX-Slow: " + b"a" * 20:
        s.sendall(bytes([b]))
        readable, _, _ = select.select([s], [], [], 0.2)
        if readable:
            break
    responses = split_responses(read_until_closed(s, timeout=3))
    assert [r[0] for r in responses] == [408]
    assert time.monotonic() - start < 2


def test_head_within_the_timeout_is_served(server_factory):
    server = server_factory("hello", "--header-timeout", "1")
    s = server.connect()
    s.sendall(GET[:10])
    time.sleep(0.5)
    s.sendall(GET[10:])
    assert ResponseReader(s).read()[::2] == (200, b"Hello, World!")


def test_connection_without_any_bytes_is_closed_quietly(server_factory):
    server = server_factory("hello", "--header-timeout", "1")
    s = server.connect()
    start = time.monotonic()
    assert read_until_closed(s, timeout=4) == b""
    assert 0.9 <= time.monotonic() - start < 2


def test_idle_keep_alive_connection_is_closed(server_factory):
    server = server_factory("hello", "--idle-timeout", "1")
    s = server.connect()
    s.sendall(GET)
    assert ResponseReader(s).read()[::2] == (200, b"Hello, World!")
    start = time.monotonic()
    assert read_until_closed(s, timeout=4) == b""
    assert 0.9 <= time.monotonic() - start < 2


def test_idle_timeout_restarts_after_each_request(server_factory):
    server = server_factory("hello", "--idle-timeout", "1")
    s = server.connect()
    r = ResponseReader(s)
    for _ in range(4):
        s.sendall(GET)
        assert r.read()[0] == 200
        time.sleep(0.6)
    assert is_open(s, wait=0.1)


def test_stalled_body_gets_408(server_factory):
    server = server_factory("hello", "--body-timeout", "1")
    s = server.connect()
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nhello")
    start = time.monotonic()
    responses = split_responses(read_until_closed(s, timeout=4))
    assert [r[0] for r in responses] == [408]
    assert 0.9 <= time.monotonic() - start < 2


def test_stalled_chunked_body_gets_408(server_factory):
    server = server_factory("hello", "--body-timeout", "1")
    s = server.connect()
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
    start = time.monotonic()
    responses = split_responses(read_until_closed(s, timeout=4))
    assert [r[0] for r in responses] == [408]
    assert time.monotonic() - start < 2


def test_slow_but_moving_body_is_served(server_factory):
    # The body timeout is a pause between reads, not a deadline for the whole body.
    server = server_factory("hello", "--body-timeout", "1")
    s = server.connect()
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\n")
    for b in b"hello":
        time.sleep(0.5)
        s.sendall(bytes([b]))
    assert ResponseReader(s).read()[::2] == (200, b"hello")


def test_slow_handler_is_not_a_timeout(server_factory):
    # Time spent in the handler counts against no read timeout.
    server = server_factory("hello", "--header-timeout", "1", "--body-timeout", "1", "--idle-timeout", "1")
    s = server.connect()
    s.sendall(b"GET /sleep?ms=1500 HTTP/1.1\r\nHost: test\r\n\r\n")
    assert ResponseReader(s).read()[::2] == (200, b"slept 1500 ms")


def test_write_timeout_closes_a_client_that_never_reads(server_factory):
    server = server_factory("hello", "--write-timeout", "1")
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((server.host, server.port))
    body = b"w" * (32 << 20)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    # The 32 MiB answer cannot fit in the socket buffers; the server must give up after about 1 s
    # and close, so what arrives is cut short instead of the whole answer on an open connection.
    time.sleep(3)
    received = len(read_until_closed(s, timeout=10))
    assert received < len(body)
