"""Native handlers awaiting Asio operations through use_task (tests/native/asio_test_app.cpp): a timer, the resolver,
a socket to an upstream, asio::awaitable, Task<T> values and errors; and a handler waiting on an upstream that never
answers is cancelled when its client hangs up, the upstream connection closing with it, also while the loop is
saturated (its hang-up watches then start at the next tick)."""
import socket
import threading
import time

import pytest
import requests

from support import SLACK
from test_http1_saturated_loop import Saturation, deferred_reads


@pytest.fixture
def asio_app(server_factory):
    return server_factory("asio_test_app", "--threads", "1")


class Upstream:
    """A raw TCP server on a free loopback port: answer(data) is what it sends after reading the client's bytes up to
    a newline, before closing (with keep_open, before waiting for the client to close); with answer None it never
    answers; either way it records when the client closes (EOF) if it does not close first."""

    def __init__(self, answer=None, keep_open=False):
        self.answer = answer
        self.keep_open = keep_open
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = threading.Event()
        self.eof = threading.Event()
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.listener.accept()
        self.accepted.set()
        with conn:
            conn.settimeout(30 * SLACK)
            if self.answer is not None:
                while not self.received.endswith(b"\n"):
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    self.received += chunk
                conn.sendall(self.answer)
                if not self.keep_open:
                    return
            try:
                while conn.recv(4096):
                    pass
                self.eof.set()
            except OSError:
                pass

    def close(self):
        self.listener.close()


def hangs_up_on_its_upstream(app, target):
    """GETs target(port), a route that connects to a fresh Upstream on that port, and hangs up once the route has
    connected; true when the upstream then sees its connection closed."""
    upstream = Upstream()
    try:
        client = app.connect()
        client.sendall(f"GET {target(upstream.port)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert upstream.accepted.wait(10 * SLACK)
        time.sleep(0.1)
        assert not upstream.eof.is_set()
        client.close()
        return upstream.eof.wait(10 * SLACK)
    finally:
        upstream.close()


def counters(app):
    return requests.get(app.url + "/counters").json()


def test_a_handler_awaits_an_asio_timer_without_blocking_the_loop(asio_app):
    with requests.Session() as waiting:
        start = time.monotonic()
        result = {}
        t = threading.Thread(target=lambda: result.update(r=waiting.get(asio_app.url + "/timer?ms=400")))
        t.start()
        time.sleep(0.1)
        quick = requests.get(asio_app.url + "/timer?ms=1")
        assert (quick.status_code, quick.text) == (200, "waited 1")
        assert t.is_alive()  # the slow one is still waiting: the loop served the quick one meanwhile
        t.join()
    assert (result["r"].status_code, result["r"].text) == (200, "waited 400")
    assert time.monotonic() - start >= 0.4


def test_a_handler_awaits_the_asio_resolver(asio_app):
    r = requests.get(asio_app.url + "/resolve?host=localhost")
    assert r.status_code == 200
    assert "127.0.0.1" in r.json() or "::1" in r.json()


def test_a_resolver_error_is_an_exception_and_a_500(asio_app):
    r = requests.get(asio_app.url + "/resolve?host=no-such-host.invalid")
    assert r.status_code == 500


def test_a_handler_connects_writes_and_reads_an_upstream_socket(asio_app):
    upstream = Upstream(answer=b"pong from upstream")
    try:
        r = requests.get(asio_app.url + f"/upstream?port={upstream.port}&send=ping%0A")
        assert (r.status_code, r.text) == (200, "pong from upstream")
        assert upstream.received == b"ping\n"
    finally:
        upstream.close()


def test_a_refused_connection_is_an_exception_and_a_500(asio_app):
    unused = socket.create_server(("127.0.0.1", 0))
    port = unused.getsockname()[1]
    unused.close()
    r = requests.get(asio_app.url + f"/upstream?port={port}")
    assert r.status_code == 500


def test_task_values_and_exceptions_through_a_chain_of_tasks(asio_app):
    r = requests.get(asio_app.url + "/values")
    assert (r.status_code, r.text) == (200, "sum 5")
    r = requests.get(asio_app.url + "/values?fail=1")
    assert r.status_code == 409


@pytest.mark.parametrize("via", ["task", "awaitable"])
def test_hanging_up_cancels_the_wait_on_a_slow_upstream_and_closes_it(asio_app, via):
    assert hangs_up_on_its_upstream(asio_app, lambda port: f"/slow-upstream?port={port}&via={via}"), \
        "the upstream connection stayed open after the client hung up"
    c = counters(asio_app)
    assert c["connection_closed"] == 1
    assert c["task_frames_destroyed"] == 1
    assert c["resumed_after_hang_up"] == 0
    # Through asio::awaitable only the cancellation slot can reach the awaitable's own socket.
    assert c["awaitable_cancelled"] == (1 if via == "awaitable" else 0)
    r = requests.get(asio_app.url + "/timer?ms=1")
    assert (r.status_code, r.text) == (200, "waited 1")


def test_a_saturated_loop_still_proxies_and_notices_a_hang_up(asio_app, hello):
    # A saturated loop puts off a busy native handler's hang-up watch to its next tick: the hang-up is still noticed,
    # and fetches on the same loop still complete.
    with Saturation(asio_app) as load:
        deadline = time.monotonic() + 20 * SLACK
        while deferred_reads(asio_app) == 0:  # deferring: the loop found itself saturated
            assert not load.failures and time.monotonic() < deadline, "the busy loop was never saturated"
            time.sleep(0.25)
        for _ in range(5):
            r = requests.get(f"{asio_app.url}/proxy", params={"url": hello.url + "/"}, timeout=30 * SLACK)
            assert (r.status_code, r.text) == (200, "Hello, World!")
        assert hangs_up_on_its_upstream(asio_app, lambda port: f"/slow-upstream?port={port}"), \
            "the busy loop never noticed the client hanging up"
    assert counters(asio_app)["connection_closed"] == 1


def test_many_hang_ups_leave_the_server_serving(asio_app):
    upstreams = [Upstream() for _ in range(10)]
    try:
        clients = []
        for i, upstream in enumerate(upstreams):
            c = asio_app.connect()
            via = "awaitable" if i % 2 else "task"
            c.sendall(f"GET /slow-upstream?port={upstream.port}&via={via} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            clients.append(c)
        for upstream in upstreams:
            assert upstream.accepted.wait(10 * SLACK)
        for c in clients:
            c.close()
        for upstream in upstreams:
            assert upstream.eof.wait(10 * SLACK)
    finally:
        for upstream in upstreams:
            upstream.close()
    c = counters(asio_app)
    assert (c["connection_closed"], c["task_frames_destroyed"], c["awaitable_cancelled"]) == (10, 10, 5)
    assert asio_app.proc.poll() is None
