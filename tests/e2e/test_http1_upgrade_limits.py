"""The request after a declined Upgrade or CONNECT is checked like any other: head limits, folding, split heads."""
import time

import pytest

from support import ResponseReader, read_until_closed, start_updraft

UPGRADE = b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"
CONNECT = b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
# A head that passes three limits at once (a 200,000-byte field, 303 fields) and folds a line.
OVERSIZED_REST = (b"Host: a\r\nX-Big: " + b"A" * 200_000 + b"\r\nX-Fold: a\r\n folded\r\n"
                  + b"Hn: v\r\n" * 300 + b"\r\n")


@pytest.fixture(params=["hello", "updraft"])
def server(request, server_factory):
    if request.param == "hello":
        yield server_factory("hello")
    else:
        s = start_updraft("environ_app:app", "--threads", "2")
        yield s
        assert s.stop() == 0


def send_in_pieces(sock, *pieces, pause=0.3):
    for piece in pieces:
        sock.sendall(piece)
        time.sleep(pause)


def statuses(data):
    return [int(line.split()[1]) for line in data.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]


@pytest.mark.parametrize("first", [UPGRADE, CONNECT], ids=["upgrade", "connect"])
def test_an_oversized_head_after_an_upgrade_is_431(server, first):
    s = server.connect()
    r = ResponseReader(s)
    s.sendall(first)
    first_status = r.read()[0]
    assert first_status == 200 or 400 <= first_status < 500
    send_in_pieces(s, b"\r\nGET / HTTP/1.1\r\n", OVERSIZED_REST)
    rest = r.buf + read_until_closed(s)
    assert statuses(rest) == [431]


def test_the_same_head_without_an_upgrade_is_431(server):
    s = server.connect()
    send_in_pieces(s, b"\r\nGET / HTTP/1.1\r\n", OVERSIZED_REST)
    assert statuses(read_until_closed(s)) == [431]


@pytest.mark.parametrize("first", [UPGRADE, CONNECT], ids=["upgrade", "connect"])
def test_a_head_in_pieces_after_an_upgrade_is_served(server, first):
    s = server.connect()
    r = ResponseReader(s)
    s.sendall(first)
    r.read()
    send_in_pieces(s, b"GET / ", b"HTTP/1.1\r\nHost: a\r\n", b"\r\n")
    assert r.read()[0] == 200


def test_a_huge_header_after_an_upgrade_costs_no_memory(server):
    """64 MiB of one header value: refused at the limit, so the server's memory does not grow with it."""
    s = server.connect()
    r = ResponseReader(s)
    s.sendall(UPGRADE)
    r.read()
    rss_before = server.rss_kib()
    send_in_pieces(s, b"\r\nGET / HTTP/1.1\r\n", b"Host: a\r\nX-Big: ")
    chunk = b"A" * (1 << 20)
    try:
        for _ in range(64):
            s.sendall(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused and closed before the end, as it should be
    assert statuses(r.buf + read_until_closed(s)) == [431]
    assert server.rss_kib() - rss_before < 16 * 1024
