"""PEP 3333 wsgi.input: every read method on Content-Length and chunked bodies, streaming, unread bodies, big uploads."""
import hashlib
import json
import os
import threading
import time

import pytest
import requests

from support import SANITIZED, SLACK, ResponseReader, http_request, serve

TEXT = b"line one\nline two\n\nthird line, a longer one\nlast without newline"
BIG_TEXT = b"".join(b"%06d some text to make a line\n" % i for i in range(4000))  # ~140 KiB: the streamed path


@pytest.fixture(scope="module")
def server():
    # Bodies over 64 KiB stream to the app as they arrive (smaller ones are read whole first).
    yield from serve("input_app:app", "--threads", "4", "--max-body-size", str(1 << 30),
                     "--buffer-request-body", "65536")


def chunked(body, size):
    out = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size]) for i in range(0, len(body), size))
    return out + b"0\r\n\r\n"


def post(server, target, body, framing):
    """POSTs body with a Content-Length or chunked in 7-byte chunks; returns the JSON answer."""
    if framing == "length":
        headers, wire = [("Content-Length", str(len(body)))], body
    else:
        headers, wire = [("Transfer-Encoding", "chunked")], chunked(body, 7 if len(body) < 1000 else 10000)
    with server.connect() as s:
        http_request(s, "POST", target, headers, wire)
        r = ResponseReader(s, timeout=10 * SLACK).read()
    assert r.status == 200, r.body
    return json.loads(r.body)


def latin1(b):
    return b.decode("latin-1")


FRAMINGS = ["length", "chunked"]
BODIES = {"small": TEXT, "big": BIG_TEXT}


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("size", BODIES)
def test_read_all(server, framing, size):
    body = BODIES[size]
    assert post(server, "/read", body, framing) == {"data": latin1(body), "again": "", "again_n": ""}


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("n", [1, 3, 4096, 100000])
def test_read_n(server, framing, n):
    body = BIG_TEXT if n >= 4096 else TEXT
    chunks = post(server, f"/read_n?n={n}", body, framing)["chunks"]
    assert "".join(chunks) == latin1(body)
    assert all(len(c) == n for c in chunks[:-1])
    assert 0 < len(chunks[-1]) <= n


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("size", BODIES)
def test_readline(server, framing, size):
    body = BODIES[size]
    assert post(server, "/readline", body, framing)["lines"] == [latin1(l) for l in body.splitlines(keepends=True)]


@pytest.mark.parametrize("framing", FRAMINGS)
def test_readline_with_a_size(server, framing):
    expected = []
    for line in TEXT.splitlines(keepends=True):
        expected += [latin1(line[i:i + 4]) for i in range(0, len(line), 4)]
    assert post(server, "/readline_n?n=4", TEXT, framing)["lines"] == expected


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("size", BODIES)
def test_readlines(server, framing, size):
    body = BODIES[size]
    got = post(server, "/readlines", body, framing)
    assert got == {"lines": [latin1(l) for l in body.splitlines(keepends=True)], "rest": ""}


@pytest.mark.parametrize("framing", FRAMINGS)
def test_readlines_with_a_hint_stops_early(server, framing):
    got = post(server, "/readlines?hint=10", TEXT, framing)
    assert got["lines"] == ["line one\n", "line two\n"]
    assert got["rest"] == latin1(TEXT[len("line one\nline two\n"):])


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("size", BODIES)
def test_iteration(server, framing, size):
    body = BODIES[size]
    assert post(server, "/iter", body, framing)["lines"] == [latin1(l) for l in body.splitlines(keepends=True)]


@pytest.mark.parametrize("framing", FRAMINGS)
def test_mixed_reads(server, framing):
    assert post(server, "/mixed", TEXT, framing) == {
        "line": "line one\n", "two": "li", "lines": ["ne two\n", "\n", "third line, a longer one\n",
                                                     "last without newline"]}


@pytest.mark.parametrize("framing", FRAMINGS)
def test_empty_body(server, framing):
    assert post(server, "/read", b"", framing) == {"data": "", "again": "", "again_n": ""}
    assert post(server, "/iter", b"", framing) == {"lines": []}


def test_get_without_body_reads_empty(server):
    assert requests.get(server.url + "/read").json() == {"data": "", "again": "", "again_n": ""}


@pytest.mark.parametrize("framing", FRAMINGS)
def test_several_mib_arrive_intact(server, framing):
    body = os.urandom(6 << 20)
    if framing == "length":
        r = requests.post(server.url + "/digest", data=body)
    else:
        r = requests.post(server.url + "/digest", data=(body[i:i + 100000] for i in range(0, len(body), 100000)))
    assert r.status_code == 200
    got = r.json()
    assert (got["length"], got["sha256"]) == (len(body), hashlib.sha256(body).hexdigest())
    assert 0 < got["biggest_read"] <= 65536


@pytest.mark.parametrize("size", [0, 1000, 200_000, 1 << 20])
@pytest.mark.parametrize("framing", FRAMINGS)
def test_unread_body_does_not_break_keep_alive(server, size, framing):
    body = os.urandom(size)
    with server.connect() as s:
        reader = ResponseReader(s, timeout=10 * SLACK)
        wire = body if framing == "length" else chunked(body, 50000)
        header = ("Content-Length", str(size)) if framing == "length" else ("Transfer-Encoding", "chunked")
        http_request(s, "POST", "/ignore", [header], wire)
        r = reader.read()
        assert (r.status, r.body) == (200, b"ignored")
        assert r.headers.get("connection") != "close"
        http_request(s, "POST", "/read", [("Content-Length", "5")], b"hello")
        r = reader.read()
        assert (r.status, json.loads(r.body)["data"]) == (200, "hello")


def test_unread_body_then_pipelined_request(server):
    with server.connect() as s:
        body = b"x" * 300_000
        s.sendall(b"POST /ignore HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s"
                  b"GET /read HTTP/1.1\r\nHost: t\r\n\r\n" % (len(body), body))
        reader = ResponseReader(s, timeout=10 * SLACK)
        assert reader.read().body == b"ignored"
        r = reader.read()
        assert (r.status, json.loads(r.body)["data"]) == (200, "")


@pytest.mark.parametrize("target, status", [("/ignore", 200), ("/ignore-silently", 204)])
def test_an_answer_before_the_body_ends_arrives_at_once_and_keeps_the_connection(server, target, status):
    """The app answers without reading: the response (even a head alone) goes out before the client sends the rest;
    the rest is then read and dropped, and the connection serves the next request."""
    body = os.urandom(4 << 20)
    with server.connect() as s:
        s.settimeout(5)
        s.sendall(b"POST %s HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s" % (target.encode(), len(body),
                                                                                     body[:1000]))
        reader = ResponseReader(s, timeout=10 * SLACK)
        assert reader.read().status == status
        s.sendall(body[1000:])
        http_request(s, "POST", "/read", [("Content-Length", "5")], b"hello")
        r = reader.read()
        assert (r.status, json.loads(r.body)["data"]) == (200, "hello")


def test_an_http10_answer_before_the_body_ends_closes_the_connection_without_blocking_the_client(server):
    """HTTP/1.0 without keep-alive: after the response the server drains what the client still sends for a moment
    (lingering close) and closes; the client is never left blocked sending a body nobody reads."""
    body = b"x" * (8 << 20)  # far more than the socket buffers hold
    with server.connect() as s:
        s.settimeout(5)
        s.sendall(b"POST /ignore HTTP/1.0\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body[:1000]))
        r = ResponseReader(s, timeout=10 * SLACK).read()
        assert (r.status, r.body, r.headers.get("connection")) == (200, b"ignored", "close")
        try:
            s.sendall(body[1000:])  # discarded while the server lingers, or refused once it has closed
        except (ConnectionResetError, BrokenPipeError):
            pass
        try:
            assert s.recv(100) == b""
        except ConnectionResetError:
            pass


def read_line_from_chunked(reader):
    """Reads the next chunk of a chunked response (the app yields one line per chunk)."""
    size = int(reader.line(), 16)
    data = reader.take(size)
    assert reader.take(2) == b"\r\n"
    return data


@pytest.mark.parametrize("framing", FRAMINGS)
def test_app_sees_the_body_while_it_streams_in(server, framing):
    body = os.urandom(1 << 20)
    half = len(body) // 2
    with server.connect() as s:
        if framing == "length":
            head_field, first, second = ("Content-Length", str(len(body))), body[:half], body[half:]
        else:
            wire = chunked(body, 65536)
            head_field, first, second = ("Transfer-Encoding", "chunked"), wire[:half], wire[half:]
        http_request(s, "POST", "/progress", [head_field], first)
        reader = ResponseReader(s, timeout=5 * SLACK)
        _, _, head = reader.head()
        assert head.startswith(b"HTTP/1.1 200 ")
        assert b"transfer-encoding: chunked" in head.lower()
        assert read_line_from_chunked(reader) == b"first:1024\n"  # before the second half was sent
        s.sendall(second)
        last = read_line_from_chunked(reader)
        assert last == b"total:%d sha256:%s\n" % (len(body), hashlib.sha256(body).hexdigest().encode())
        assert int(reader.line(), 16) == 0


def test_large_upload_is_streamed_not_buffered(server):
    """256 MiB chunked upload: the server's memory must stay flat (the app reads 64 KiB at a time)."""
    block = os.urandom(1 << 20)
    total = 32 if SANITIZED else 256
    peak = [server.rss_kib()]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], server.rss_kib())
            time.sleep(0.02)

    before = server.rss_kib()
    t = threading.Thread(target=sample)
    t.start()
    try:
        r = requests.post(server.url + "/digest", data=(block for _ in range(total)))
    finally:
        done.set()
        t.join()
    h = hashlib.sha256()
    for _ in range(total):
        h.update(block)
    assert r.status_code == 200
    assert (r.json()["length"], r.json()["sha256"]) == (total << 20, h.hexdigest())
    if not SANITIZED:
        assert peak[0] - before < 48 * 1024, f"RSS grew from {before} KiB to {peak[0]} KiB"


def test_concurrent_uploads_do_not_mix(server):
    errors = []

    def client(seed):
        session = requests.Session()
        for i in range(15):
            body = os.urandom((seed * 7919 + i * 104729) % 300_000)
            r = session.post(server.url + "/digest", data=body)
            got = r.json()
            if (got["length"], got["sha256"]) != (len(body), hashlib.sha256(body).hexdigest()):
                errors.append((seed, i, len(body), got))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
