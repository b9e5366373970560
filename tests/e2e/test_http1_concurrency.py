"""Concurrency: 1,000 sleeping requests on one loop thread finish together; several loop threads answer everything."""
import resource
import selectors
import socket
import threading
import time

import pytest

from support import SLACK, ResponseReader

CONNECTIONS = 1000


@pytest.fixture(autouse=True)
def enough_descriptors():
    """Raises the soft RLIMIT_NOFILE (inherited by the server) so 1,000 connections fit on both sides."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * CONNECTIONS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"RLIMIT_NOFILE hard limit {hard} is below {wanted}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def run_concurrently(server, request, count, timeout):
    """Opens count connections, sends request on each, and reads every answer with non-blocking sockets.

    Returns (statuses, bodies, wall seconds from the first send to the last complete answer)."""
    socks = []
    for _ in range(count):
        s = socket.create_connection((server.host, server.port), timeout=5)
        s.setblocking(False)
        socks.append(s)
    sel = selectors.DefaultSelector()
    buffers = {}
    start = time.monotonic()
    for s in socks:
        s.send(request)
        sel.register(s, selectors.EVENT_READ)
        buffers[s] = b""
    done = {}
    deadline = start + timeout
    while len(done) < count and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            data = s.recv(65536)
            buffers[s] += data
            head, sep, body = buffers[s].partition(b"\r\n\r\n")
            if not data or (sep and len(body) >= int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])):
                sel.unregister(s)
                done[s] = buffers[s]
    elapsed = time.monotonic() - start
    for s in socks:
        s.close()
    statuses = [int(d.split(b" ", 2)[1]) if d else None for d in done.values()]
    bodies = [d.partition(b"\r\n\r\n")[2] for d in done.values()]
    return statuses, bodies, elapsed


def test_1000_concurrent_sleeps_on_one_loop_thread(server_factory):
    server = server_factory("hello", "--threads", "1")
    statuses, bodies, elapsed = run_concurrently(
        server, b"GET /sleep?ms=1000 HTTP/1.1\r\nHost: test\r\n\r\n", CONNECTIONS, timeout=10)
    assert len(statuses) == CONNECTIONS
    assert set(statuses) == {200}
    assert set(bodies) == {b"slept 1000 ms"}
    print(f"1000 sleeps: {elapsed:.2f}s")
    assert 1.0 <= elapsed < 3 * SLACK, elapsed


def test_sleeping_requests_do_not_block_the_loop(hello):
    s = hello.connect(timeout=10)
    s.sendall(b"GET /sleep?ms=2000 HTTP/1.1\r\nHost: test\r\n\r\n")
    time.sleep(0.1)
    start = time.monotonic()
    other = hello.connect()
    other.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
    assert ResponseReader(other).read()[::2] == (200, b"Hello, World!")
    assert time.monotonic() - start < 0.5 * SLACK
    assert ResponseReader(s, timeout=10).read()[::2] == (200, b"slept 2000 ms")


def test_two_loop_threads_answer_every_request(server_factory):
    server = server_factory("hello", "--threads", "2")
    statuses, bodies, _ = run_concurrently(server, b"GET / HTTP/1.1\r\nHost: test\r\n\r\n", 500, timeout=10)
    assert len(statuses) == 500
    assert set(statuses) == {200}
    assert set(bodies) == {b"Hello, World!"}


def test_two_loop_threads_with_keep_alive_clients(server_factory):
    server = server_factory("hello", "--threads", "2")
    failures = []

    def client():
        s = server.connect()
        r = ResponseReader(s)
        for i in range(100):
            body = b"client request %d" % i
            s.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            if r.read()[::2] != (200, body):
                failures.append(i)
        s.close()

    threads = [threading.Thread(target=client) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert failures == []
