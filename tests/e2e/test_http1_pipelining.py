"""Pipelining: many requests in one send are all answered, in order, even when an earlier one waits on a timer."""
import time

from support import GET, SANITIZED, ResponseReader, is_open, read_until_closed, split_responses


def echo(body):
    return b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def test_three_requests_in_one_send(hello):
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(GET + echo(b"second") + b"GET /sleep?ms=1 HTTP/1.1\r\nHost: test\r\n\r\n")
    assert r.read()[::2] == (200, b"Hello, World!")
    assert r.read()[::2] == (200, b"second")
    assert r.read()[::2] == (200, b"slept 1 ms")
    assert is_open(s)


def test_slow_request_in_the_middle_keeps_the_order(hello):
    s = hello.connect()
    r = ResponseReader(s)
    start = time.monotonic()
    s.sendall(echo(b"first") + b"GET /sleep?ms=300 HTTP/1.1\r\nHost: test\r\n\r\n" + echo(b"third") + GET)
    assert r.read()[::2] == (200, b"first")
    assert r.read()[::2] == (200, b"slept 300 ms")
    assert time.monotonic() - start >= 0.3
    assert r.read()[::2] == (200, b"third")
    assert r.read()[::2] == (200, b"Hello, World!")


def test_many_pipelined_requests_are_all_answered(hello):
    # Far more than fit in one read buffer: reading must pause and resume, never drop one.
    n = 2000
    requests = b"".join(echo(b"request %d" % i) for i in range(n))
    s = hello.connect()
    s.sendall(requests + b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
    responses = split_responses(read_until_closed(s, timeout=20))
    assert len(responses) == n + 1
    assert [r[2] for r in responses[:n]] == [b"request %d" % i for i in range(n)]
    assert all(r[0] == 200 for r in responses)
    assert responses[-1][1]["connection"] == "close"


def test_pipelined_requests_after_connection_close_are_ignored(hello):
    s = hello.connect()
    s.sendall(GET + b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n" + echo(b"ignored"))
    responses = split_responses(read_until_closed(s))
    assert [(r[0], r[2]) for r in responses] == [(200, b"Hello, World!"), (200, b"Hello, World!")]


def test_pipelined_head_and_get(hello):
    s = hello.connect()
    s.sendall(b"HEAD / HTTP/1.1\r\nHost: test\r\n\r\n" * 3 + b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
    data = read_until_closed(s)
    assert data.count(b"HTTP/1.1 200 OK\r\n") == 4
    assert data.count(b"Hello, World!") == 1
    assert data.endswith(b"\r\n\r\nHello, World!")


def test_pipelined_requests_split_at_odd_places(hello):
    s = hello.connect()
    r = ResponseReader(s)
    stream = GET + echo(b"abc") + GET
    for i in range(0, len(stream), 5):
        s.sendall(stream[i:i + 5])
        time.sleep(0.001)
    assert r.read()[::2] == (200, b"Hello, World!")
    assert r.read()[::2] == (200, b"abc")
    assert r.read()[::2] == (200, b"Hello, World!")


def test_reading_pauses_for_a_client_that_never_reads(hello):
    # Pipelined requests from a client that reads no answers: the server must stop reading
    # (its answers wait in bounded buffers) instead of queueing answers in memory without end.
    rss_before = hello.rss_kib()
    s = hello.connect()
    s.setblocking(False)
    burst = GET * 1000
    sent, start, last_progress = 0, time.monotonic(), time.monotonic()
    while time.monotonic() - last_progress < 1 and time.monotonic() - start < 10:
        try:
            n = s.send(burst[sent % len(burst):])
            sent += n
            last_progress = time.monotonic()
        except BlockingIOError:
            time.sleep(0.01)
    assert time.monotonic() - last_progress >= 1, f"the server kept reading: {sent} bytes taken"
    assert sent < 64 << 20
    if not SANITIZED:  # ASan's quarantine keeps freed memory resident
        assert hello.rss_kib() - rss_before < 32 * 1024
    # Reading the answers lets the server go on.
    s.setblocking(True)
    r = ResponseReader(s, timeout=10)
    for _ in range(sent // len(GET)):
        assert r.read()[::2] == (200, b"Hello, World!")
