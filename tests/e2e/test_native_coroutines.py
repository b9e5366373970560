"""Native coroutine handlers end to end: sleep without blocking the loop, streaming with flush(),
awaiting other tasks, errors after a co_await, and clients that leave mid-request."""
import concurrent.futures
import http.client
import socket
import time

import requests

from support import ResponseReader, read_until_closed


def split_response(data):
    """(status line, headers, the raw bytes after the head) of the response that data starts with."""
    reader = ResponseReader(None, data=data)
    _, headers, head = reader.head()
    return head.split(b"\r\n")[0].decode(), headers, reader.buf


def parse_chunks(body):
    """Returns (chunk payloads, whether the last-chunk arrived)."""
    chunks = []
    while body:
        size_line, sep, body = body.partition(b"\r\n")
        if not sep:
            break
        size = int(size_line, 16)
        if size == 0:
            return chunks, body == b"\r\n"
        assert body[size:size + 2] == b"\r\n", body[:size + 2]
        chunks.append(body[:size])
        body = body[size + 2:]
    return chunks, False


def read_at_full_speed(s):
    """Widens a socket's receive window again after SO_RCVBUF made it 4 KiB (read through that, 1 MiB takes 25 s)."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_WINDOW_CLAMP, 1 << 20)


def test_coroutine_sleep(native_app):
    start = time.monotonic()
    r = requests.get(native_app.url + "/sleep?ms=200")
    elapsed = time.monotonic() - start
    assert (r.status_code, r.text) == (200, "slept 200")
    assert r.headers["Content-Length"] == "9"
    assert 0.2 <= elapsed < 2


def test_http_error_before_the_first_co_await(native_app):
    r = requests.get(native_app.url + "/sleep?ms=soon")
    assert r.status_code == 400
    assert r.text == "<html><title>400: Bad Request</title><body>400: Bad Request</body></html>"


def test_sleeping_handlers_do_not_block_the_loop(native_app):
    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        start = time.monotonic()
        sleepers = [pool.submit(requests.get, native_app.url + "/sleep?ms=1000") for _ in range(40)]
        time.sleep(0.2)
        quick_start = time.monotonic()
        quick = requests.get(native_app.url + "/plain")
        quick_elapsed = time.monotonic() - quick_start
        results = [f.result() for f in sleepers]
        total = time.monotonic() - start
    assert (quick.status_code, quick.text) == (200, "plain")
    assert quick_elapsed < 0.5
    assert [(r.status_code, r.text) for r in results] == [(200, "slept 1000")] * 40
    assert total < 2.5


def test_head_on_a_coroutine_get(native_app):
    conn = http.client.HTTPConnection(native_app.host, native_app.port, timeout=5)
    conn.request("HEAD", "/sleep?ms=20")
    r = conn.getresponse()
    assert (r.status, r.getheader("Content-Length"), r.read()) == (200, "8", b"")
    conn.request("GET", "/sleep?ms=20")
    r = conn.getresponse()
    assert (r.status, r.read()) == (200, b"slept 20")
    conn.close()


def test_http_error_after_a_co_await(native_app):
    r = requests.get(native_app.url + "/error/coroutine")
    assert r.status_code == 503
    assert r.text == "<html><title>503: Service Unavailable</title><body>503: Service Unavailable</body></html>"


def test_std_exception_after_a_co_await_is_500(native_app):
    with requests.Session() as session:
        r = session.get(native_app.url + "/error/coroutine?kind=std")
        assert r.status_code == 500
        assert r.text == ("<html><title>500: Internal Server Error</title>"
                          "<body>500: Internal Server Error</body></html>")
        assert session.get(native_app.url + "/plain").text == "plain"


def test_coroutine_awaiting_other_tasks(native_app):
    r = requests.get(native_app.url + "/nested")
    assert (r.status_code, r.text) == (200, "immediate 5")


def test_error_in_an_awaited_task_propagates(native_app):
    r = requests.get(native_app.url + "/nested?fail=1")
    assert r.status_code == 409
    assert "409: Conflict" in r.text


def test_streaming_with_flush_is_chunked_on_http11(native_app):
    with native_app.connect() as s:
        s.sendall(b"GET /stream?n=4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status_line, headers, body = split_response(read_until_closed(s))
    assert status_line == "HTTP/1.1 200 OK"
    assert headers["transfer-encoding"] == "chunked"
    assert "content-length" not in headers
    assert headers["content-type"] == "text/plain"
    chunks, complete = parse_chunks(body)
    assert chunks == [f"chunk {i}\n".encode() for i in range(4)]
    assert complete


def test_streamed_chunks_arrive_before_the_handler_finishes(native_app):
    with native_app.connect() as s:
        s.sendall(b"GET /stream?n=200 HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(5)
        first = s.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 OK\r\n")
        # 200 chunks 5 ms apart take a second; the first ones must not wait for the last.
        assert b"chunk 0\n" in first + s.recv(65536)
        assert b"0\r\n\r\n" not in first


def test_streamed_response_keeps_the_connection_alive(native_app):
    with native_app.connect() as s:
        r = ResponseReader(s)
        s.sendall(b"GET /stream?n=2 HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers, body = r.read()
        assert (status, body) == (200, b"chunk 0\nchunk 1\n")
        s.sendall(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
        assert r.read()[::2] == (200, b"plain")


def test_streaming_on_http10_is_close_delimited(native_app):
    for extra in (b"", b"Connection: keep-alive\r\n"):
        with native_app.connect() as s:
            s.sendall(b"GET /stream?n=3 HTTP/1.0\r\n" + extra + b"\r\n")
            status_line, headers, body = split_response(read_until_closed(s))
        assert status_line == "HTTP/1.1 200 OK"
        assert "transfer-encoding" not in headers and "content-length" not in headers
        assert headers.get("connection") == "close"
        assert body == b"chunk 0\nchunk 1\nchunk 2\n"


def test_error_after_streaming_started_cuts_the_response_short(native_app):
    with native_app.connect() as s:
        s.sendall(b"GET /stream?n=2&fail=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        status_line, headers, body = split_response(read_until_closed(s))
    assert status_line == "HTTP/1.1 200 OK"
    chunks, complete = parse_chunks(body)
    assert chunks == [b"chunk 0\n", b"chunk 1\n"]
    assert not complete  # no last-chunk: the client cannot take it for a whole response
    assert requests.get(native_app.url + "/plain").text == "plain"


def test_awaited_flush_waits_for_a_slow_reader(native_app):
    n, size = 24, 256 * 1024  # 6 MiB: more than the kernel buffers (4 MiB at most on the server's side)
    with native_app.connect(timeout=10) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"GET /stream?n=%d&size=%d&pause_ms=0 HTTP/1.1\r\nHost: x\r\n\r\n" % (n, size))
        time.sleep(0.5)  # the handler must now be parked in co_await flush()
        read_at_full_speed(s)
        status, headers, body = ResponseReader(s, timeout=10).read()
        assert status == 200
        assert body == b"".join(bytes([ord("a") + i]) * size for i in range(n))
        s.sendall(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
        assert ResponseReader(s).read()[::2] == (200, b"plain")


def test_client_leaving_while_the_handler_waits_on_flush(native_app):
    for _ in range(3):
        s = native_app.connect()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"GET /stream?n=1000&size=65536&pause_ms=0 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 200 OK\r\n")
        time.sleep(0.2)
        s.close()
    time.sleep(0.3)
    assert native_app.proc.poll() is None
    assert requests.get(native_app.url + "/plain").text == "plain"


def test_unawaited_flush_of_a_large_body_then_finish(native_app):
    size = 6 << 20  # more than the kernel buffers (4 MiB at most on the server's side)
    with native_app.connect() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"GET /big-flush?size=%d HTTP/1.1\r\nHost: x\r\n\r\n" % size)
        time.sleep(0.3)  # let the server block on a full socket before we read
        read_at_full_speed(s)
        r = ResponseReader(s)
        status, headers, body = r.read()
        assert status == 200
        assert headers["transfer-encoding"] == "chunked"
        assert body == b"x" * size + b"end"
        s.sendall(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
        assert r.read()[::2] == (200, b"plain")


def test_client_disconnecting_while_the_handler_sleeps(native_app):
    for _ in range(5):
        s = native_app.connect()
        s.sendall(b"GET /disconnect?ms=200 HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.05)
        s.close()
    s = native_app.connect()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # close with RST
    s.sendall(b"GET /disconnect?ms=200 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.05)
    s.close()
    time.sleep(0.5)
    assert native_app.proc.poll() is None
    r = requests.get(native_app.url + "/plain")
    assert (r.status_code, r.text) == (200, "plain")
    counts = requests.get(native_app.url + "/counters").json()
    assert counts["disconnect_resumed"] + counts["connection_closed"] >= 6


def test_on_connection_close_runs_while_the_handler_waits(native_app):
    s = native_app.connect()
    s.sendall(b"GET /disconnect?ms=2000 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.1)
    s.close()
    time.sleep(0.3)
    counts = requests.get(native_app.url + "/counters").json()
    assert counts["connection_closed"] == 1
    assert counts["disconnect_resumed"] == 0
