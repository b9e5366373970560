"""Graceful shutdown on SIGTERM/SIGINT: stop accepting, finish in-flight requests, close idle connections, exit 0."""
import signal
import socket
import threading
import time

import pytest

from support import GET, ResponseReader, read_until_closed


class InFlight:
    """Sends one request on its own connection and reads the answer in a thread."""

    def __init__(self, server, request):
        self.sock = server.connect(timeout=15)
        self.sock.sendall(request)
        self.result = None
        self.error = None
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            self.result = ResponseReader(self.sock, timeout=15).read()
            self.rest = read_until_closed(self.sock, timeout=15)
        except Exception as e:  # reported by the test
            self.error = e
        self.sock.close()  # as a client does on end of stream: the server need not linger

    def wait(self, timeout=15):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the in-flight request never finished"
        return self.result


def wait_exit(server, timeout):
    start = time.monotonic()
    code = server.proc.wait(timeout=timeout)
    return code, time.monotonic() - start


def refused(server):
    try:
        socket.create_connection((server.host, server.port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_in_flight_request_completes_and_process_exits_0(server_factory, sig):
    server = server_factory("hello", "--graceful-timeout", "5")
    request = InFlight(server, b"GET /sleep?ms=1500 HTTP/1.1\r\nHost: test\r\n\r\n")
    time.sleep(0.3)
    start = time.monotonic()
    server.proc.send_signal(sig)
    time.sleep(0.3)
    assert refused(server), "new connections are still accepted while draining"
    status, headers, body = request.wait()
    assert request.error is None, request.error
    assert (status, body) == (200, b"slept 1500 ms")
    assert headers.get("connection") == "close"
    assert request.rest == b""
    code, _ = wait_exit(server, timeout=5)
    assert code == 0
    assert 1.0 < time.monotonic() - start < 2.5


def test_idle_keep_alive_connections_are_closed(server_factory):
    server = server_factory("hello", "--graceful-timeout", "5")
    idle = []
    for _ in range(5):
        s = server.connect()
        s.sendall(GET)
        assert ResponseReader(s).read()[::2] == (200, b"Hello, World!")
        idle.append(s)
    never_used = server.connect()
    time.sleep(0.1)
    start = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    for s in idle + [never_used]:
        assert read_until_closed(s, timeout=3) == b""
    code, _ = wait_exit(server, timeout=5)
    assert code == 0
    assert time.monotonic() - start < 1.5


def test_pipelined_requests_behind_the_in_flight_one_are_not_started(server_factory):
    server = server_factory("hello", "--graceful-timeout", "5")
    s = server.connect(timeout=10)
    s.sendall(b"GET /sleep?ms=800 HTTP/1.1\r\nHost: test\r\n\r\n")
    time.sleep(0.2)
    server.proc.send_signal(signal.SIGTERM)
    time.sleep(0.1)
    s.sendall(GET)
    r = ResponseReader(s, timeout=10)
    status, headers, body = r.read()
    assert (status, body) == (200, b"slept 800 ms")
    assert headers.get("connection") == "close"
    assert read_until_closed(s, timeout=5) == b""
    s.close()
    assert wait_exit(server, timeout=5)[0] == 0


def test_graceful_timeout_bounds_the_wait(server_factory):
    server = server_factory("hello", "--graceful-timeout", "1")
    request = InFlight(server, b"GET /sleep?ms=10000 HTTP/1.1\r\nHost: test\r\n\r\n")
    time.sleep(0.3)
    server.proc.send_signal(signal.SIGTERM)
    code, elapsed = wait_exit(server, timeout=5)
    assert code == 0
    assert 0.9 < elapsed < 2
    request.wait(timeout=5)
    assert request.result is None  # cut off, no answer


def test_shutdown_with_no_connections_is_immediate(server_factory):
    server = server_factory("hello")
    s = server.connect()
    s.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
    read_until_closed(s)  # serving: the signal handlers are in place
    s.close()
    server.proc.send_signal(signal.SIGTERM)
    code, elapsed = wait_exit(server, timeout=5)
    assert code == 0
    assert elapsed < 1
