"""Slowloris: hundreds of connections trickling their heads neither slow a normal request nor outlive the header timeout."""
import socket
import threading
import time

from support import GET, SLACK, ResponseReader, read_until_closed, split_responses

SLOW_CLIENTS = 300


class Trickler:
    """Opens connections that send a head one byte per round; a thread that stops on its own after max_seconds."""

    def __init__(self, server, count, interval=0.05, max_seconds=10):
        self.socks = [socket.create_connection((server.host, server.port), timeout=5) for _ in range(count)]
        self.interval = interval
        self.deadline = time.monotonic() + max_seconds
        self.stop_event = threading.Event()
        self.rounds = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        pattern = b"GET / HTTP/1.1\r\nHost: test\r\n" + b"X-Slow: " + b"a" * 4000
        while not self.stop_event.is_set() and time.monotonic() < self.deadline:
            byte = pattern[min(self.rounds, len(pattern) - 1):][:1]
            for s in self.socks:
                try:
                    s.send(byte, socket.MSG_DONTWAIT)
                except OSError:
                    pass
            self.rounds += 1
            self.stop_event.wait(self.interval)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(timeout=5)
        for s in self.socks:
            s.close()


def timed_get(server):
    start = time.monotonic()
    s = server.connect()
    s.sendall(GET)
    status, _, body = ResponseReader(s).read()
    s.close()
    return time.monotonic() - start, status, body


def test_trickling_connections_do_not_slow_a_normal_request(hello):
    with Trickler(hello, SLOW_CLIENTS) as trickler:
        time.sleep(0.5)
        timings = []
        for _ in range(10):
            elapsed, status, body = timed_get(hello)
            assert (status, body) == (200, b"Hello, World!")
            timings.append(elapsed)
            time.sleep(0.1)
        assert trickler.rounds > 10, "the slow clients were not trickling during the measurement"
    assert max(timings) < 0.5 * SLACK, timings


def test_trickling_connections_are_cut_by_the_header_timeout(server_factory):
    server = server_factory("hello", "--header-timeout", "1")
    with Trickler(server, SLOW_CLIENTS, max_seconds=4) as trickler:
        time.sleep(2.5)
        elapsed, status, _ = timed_get(server)
        assert status == 200
        assert elapsed < 0.5 * SLACK
        statuses = [[r[0] for r in split_responses(read_until_closed(s, timeout=1))] for s in trickler.socks]
    assert all(st == [408] for st in statuses), {str(st) for st in statuses}
