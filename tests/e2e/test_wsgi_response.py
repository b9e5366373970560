"""PEP 3333 responses: close() always called, Content-Length enforced, framing per version, bodiless answers, backpressure."""
import os
import socket
import threading
import time
import uuid

import pytest
import requests

from support import SANITIZED, SLACK, ResponseReader, exchange, http_request, read_until_closed, serve

APP_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wsgi_apps", "response_app.py")


@pytest.fixture(scope="module")
def server():
    yield from serve("response_app:app", "--threads", "4")


def report(server):
    return requests.get(server.url + "/report").json()


def wait_closed(server, ident, timeout=5 * SLACK):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        closed = report(server)["closed"]
        if ident in closed:
            return closed.count(ident)
        time.sleep(0.05)
    return 0


def new_id():
    return uuid.uuid4().hex[:12]


def raw_get(server, target, version="HTTP/1.1", method="GET"):
    with server.connect() as s:
        http_request(s, method, target, [("Connection", "close")] if version == "HTTP/1.1" else [], b"", version)
        return read_until_closed(s, timeout=10 * SLACK)


# --- close() ---

def test_close_after_normal_completion(server):
    ident = new_id()
    r = requests.get(f"{server.url}/close?kind=normal&id={ident}")
    assert (r.status_code, r.content) == (200, b"abc")
    assert wait_closed(server, ident) == 1


def test_close_that_raises_is_logged_and_the_response_completes(server):
    ident = "raise-in-close-" + new_id()
    with server.connect() as s:
        reader = ResponseReader(s, timeout=10 * SLACK)
        http_request(s, "GET", f"/close?kind=normal&id={ident}")
        assert (reader.read().body) == b"abc"
        http_request(s, "GET", "/pattern?n=2")
        assert reader.read().body == b"0,1,"
    assert wait_closed(server, ident) == 1
    server.wait_error_log(f"close() failed on purpose ({ident})")


def test_close_on_a_list_subclass(server):
    ident = new_id()
    r = requests.get(f"{server.url}/close?kind=list&id={ident}")
    assert (r.status_code, r.content) == (200, b"list-body")
    assert wait_closed(server, ident) == 1


def test_close_after_an_exception_before_the_first_chunk(server):
    ident = new_id()
    r = requests.get(f"{server.url}/close?kind=raise-before&id={ident}")
    assert (r.status_code, r.content) == (500, b"Internal Server Error\n")
    assert wait_closed(server, ident) == 1


def test_close_after_an_exception_mid_stream(server):
    ident = new_id()
    raw = raw_get(server, f"/close?kind=raise-after&id={ident}")
    assert raw.startswith(b"HTTP/1.1 200 ")
    assert not raw.endswith(b"0\r\n\r\n")
    assert wait_closed(server, ident) == 1


def test_close_after_a_non_bytes_chunk(server):
    ident = new_id()
    r = requests.get(f"{server.url}/close?kind=str&id={ident}")
    assert (r.status_code, r.content) == (500, b"Internal Server Error\n")
    assert wait_closed(server, ident) == 1


def test_close_when_the_client_disconnects_mid_stream(server):
    ident = new_id()
    s = server.connect()
    http_request(s, "GET", f"/close?kind=forever&id={ident}")
    got = 0
    while got < 1 << 20:
        got += len(s.recv(65536))
    s.close()
    assert wait_closed(server, ident) == 1
    assert requests.get(f"{server.url}/pattern?n=3").content == b"0,1,2,"


# --- Content-Length ---

@pytest.mark.parametrize("mode", ["gen", "list"])
def test_short_body_closes_the_connection(server, mode):
    with server.connect() as s:
        http_request(s, "GET", f"/cl?declared=10&sent=5&mode={mode}")
        raw = read_until_closed(s, timeout=10 * SLACK)  # fails if the server keeps the connection open
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"content-length: 10" in head.lower()
    assert body == b"01234"


@pytest.mark.parametrize("mode", ["gen", "list"])
def test_long_body_is_truncated_and_the_connection_closed(server, mode):
    with server.connect() as s:
        http_request(s, "GET", f"/cl?declared=5&sent=10&mode={mode}")
        raw = read_until_closed(s, timeout=10 * SLACK)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"content-length: 5" in head.lower()
    assert body == b"01234"


@pytest.mark.parametrize("mode", ["gen", "list"])
def test_exact_content_length_keeps_the_connection(server, mode):
    with server.connect() as s:
        reader = ResponseReader(s, timeout=10 * SLACK)
        for _ in range(3):
            http_request(s, "GET", f"/cl?declared=7&sent=7&mode={mode}")
            r = reader.read()
            assert (r.status, r.body, r.headers["content-length"]) == (200, b"0123456", "7")
            assert "transfer-encoding" not in r.headers


# --- framing ---

def test_unknown_length_is_chunked_on_http11(server):
    with server.connect() as s:
        http_request(s, "GET", "/pattern?n=5")
        reader = ResponseReader(s, timeout=10 * SLACK)
        r = reader.read()
        assert r.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in r.headers
        assert r.body == b"0,1,2,3,4,"
        http_request(s, "GET", "/pattern?n=2")  # still usable
        assert reader.read().body == b"0,1,"


def test_unknown_length_is_close_delimited_on_http10(server):
    raw = raw_get(server, "/pattern?n=5", version="HTTP/1.0")
    head, _, body = raw.partition(b"\r\n\r\n")
    lower = head.lower()
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"transfer-encoding" not in lower and b"content-length" not in lower
    assert b"connection: close" in lower
    assert body == b"0,1,2,3,4,"


def test_list_response_gets_a_content_length(server):
    r = exchange(server, "GET", "/bodiless?code=200&mode=list")
    assert (r.headers.get("content-length"), r.body) == ("18", b"should not be sent")
    assert "transfer-encoding" not in r.headers


# --- no body for HEAD, 204, 304 ---

@pytest.mark.parametrize("target", ["/cl?declared=10&sent=10&mode=list", "/cl?declared=10&sent=10&mode=gen",
                                    "/pattern?n=4", "/close?kind=list&id=head"])
def test_head_has_no_body(server, target):
    with server.connect() as s:
        http_request(s, "HEAD", target)
        http_request(s, "GET", "/pattern?n=3")  # pipelined: any body bytes would corrupt it
        reader = ResponseReader(s, timeout=10 * SLACK)
        head = reader.read("HEAD")
        assert head.status == 200
        assert "transfer-encoding" not in head.headers
        if "cl?" in target:
            assert head.headers["content-length"] == "10"
        after = reader.read()
        assert (after.status, after.body) == (200, b"0,1,2,")


@pytest.mark.parametrize("mode", ["list", "gen"])
@pytest.mark.parametrize("code", [204, 304])
def test_bodiless_statuses_send_no_body(server, code, mode):
    with server.connect() as s:
        http_request(s, "GET", f"/bodiless?code={code}&mode={mode}")
        http_request(s, "GET", "/pattern?n=3")
        reader = ResponseReader(s, timeout=10 * SLACK)
        r = reader.read()
        assert r.status == code
        assert r.headers["x-status"] == str(code)
        assert "transfer-encoding" not in r.headers
        if code == 204:
            assert "content-length" not in r.headers
        after = reader.read()
        assert (after.status, after.body) == (200, b"0,1,2,")
        s.settimeout(0.3)
        with pytest.raises(socket.timeout):
            s.recv(1)


# --- wsgi.file_wrapper ---

@pytest.mark.parametrize("length", [None, "real"])
def test_file_wrapper_sends_the_file(server, length):
    expected = open(APP_FILE, "rb").read()
    q = f"&length={len(expected)}" if length else ""
    r = exchange(server, "GET", "/file?kind=real" + q)
    assert (r.status, r.body) == (200, expected)


def test_file_wrapper_over_a_file_like_object(server):
    r = requests.get(server.url + "/file?kind=bytesio")
    assert (r.status_code, r.content) == (200, b"in-memory file contents " * 1000)


def test_file_wrapper_on_head(server):
    with server.connect() as s:
        http_request(s, "HEAD", "/file?kind=real")
        http_request(s, "GET", "/pattern?n=2")
        reader = ResponseReader(s, timeout=10 * SLACK)
        assert reader.read("HEAD").status == 200
        assert reader.read().body == b"0,1,"


# --- streaming and memory ---

def test_a_slow_generator_streams_chunk_by_chunk(server):
    delay = 0.3 * SLACK
    with requests.get(f"{server.url}/slow?n=3&delay={delay}", stream=True) as r:
        start = time.monotonic()
        chunks = r.iter_content(chunk_size=None)
        assert next(chunks) == b"tick 0\n"
        assert time.monotonic() - start < 1.8 * delay  # not held until the generator ends (3 delays)
        assert b"".join(chunks) == b"tick 1\ntick 2\n"


class RssSampler:
    def __init__(self, server):
        self.server, self.peak, self.done = server, 0, threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, self.server.rss_kib())
            time.sleep(0.02)

    def __enter__(self):
        self.before = self.server.rss_kib()
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()


def test_many_small_chunks_stream_with_flat_memory(server):
    n = 20_000 if SANITIZED else 200_000
    with RssSampler(server) as rss:
        with requests.get(f"{server.url}/stream?n={n}&size=512", stream=True) as r:
            total = sum(len(c) for c in r.iter_content(chunk_size=1 << 20))
    assert total == n * 512
    if not SANITIZED:
        assert rss.peak - rss.before < 32 * 1024, f"RSS {rss.before} -> {rss.peak} KiB"


def test_slow_reader_does_not_hold_the_app(server):
    """A client that stops reading does not stop the iteration: the output is spooled, mostly to a temporary file,
    so the thread is free at once and memory stays bounded while 200 MiB go out."""
    ident = new_id()
    mib = 32 if SANITIZED else 200
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    s.connect(("127.0.0.1", server.port))
    try:
        with RssSampler(server) as rss:
            http_request(s, "GET", f"/big?mib={mib}&id={ident}")
            got = len(s.recv(65536))
            deadline = time.monotonic() + 30 * SLACK
            while report(server)["produced"].get(ident, 0) < mib << 20 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert report(server)["produced"][ident] == mib << 20, f"the client has read {got} bytes"
            s.settimeout(10 * SLACK)
            while True:
                data = s.recv(1 << 20)
                if not data:
                    break
                got += len(data)
                if got >= (mib << 20) + 40:
                    break
        assert got > mib << 20
        if not SANITIZED:
            assert rss.peak - rss.before < 48 * 1024, f"RSS {rss.before} -> {rss.peak} KiB"
    finally:
        s.close()


def test_pipelined_requests_are_answered_in_order(server):
    with server.connect() as s:
        s.sendall(b"".join(b"GET /pattern?n=%d HTTP/1.1\r\nHost: t\r\n\r\n" % i for i in range(1, 21)))
        reader = ResponseReader(s, timeout=10 * SLACK)
        for i in range(1, 21):
            r = reader.read()
            assert (r.status, r.body) == (200, b"".join(b"%d," % j for j in range(i)))
