"""Keep-alive reads on a saturated loop: while handlers keep the loop thread busy, the next-request reads of its
keep-alive connections start after the loop's turn (counted by updraft_keepalive_reads_deferred_total), and every
request is still answered, in order, on its own connection; a loop that is not busy, or one started with
--keepalive-reads immediate, reads at once."""
import http.client
import threading
import time

from support import metrics

CLIENTS = 8
SPIN_US = 2000  # each request keeps the loop thread busy this long: 8 clients leave it no idle time


def deferred_reads(server):
    return metrics(server, "/metrics")["updraft_keepalive_reads_deferred_total"]


def keep_requesting(server, stop, index, served, failures):
    """GETs /spin on one keep-alive connection until stop is set; fails if the answers came on several."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=15)
    ports = set()
    try:
        while not stop.is_set():
            conn.request("GET", f"/spin?us={SPIN_US}&n={served[index]}")
            r = conn.getresponse()
            body = r.read()
            if (r.status, body) != (200, b"spun"):
                raise AssertionError(f"client {index}: {r.status} {body!r}")
            ports.add(conn.sock.getsockname()[1])
            served[index] += 1
        if len(ports) != 1:
            raise AssertionError(f"client {index} needed {len(ports)} connections")
    except Exception as e:  # reported by the test thread
        failures.append(e)
    finally:
        conn.close()


class Saturation:
    """CLIENTS keep-alive clients keeping the server's one loop busy, from `with` to its end."""

    def __init__(self, server):
        self.stop = threading.Event()
        self.served = [0] * CLIENTS
        self.failures = []
        self.threads = [threading.Thread(target=keep_requesting, args=(server, self.stop, i, self.served,
                                                                        self.failures)) for i in range(CLIENTS)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)
        assert not self.failures, self.failures
        assert min(self.served) >= 5, self.served  # on every connection


def test_a_saturated_loop_defers_keepalive_reads_and_answers_every_request(native_app):
    with Saturation(native_app) as load:
        # Deferring starts after the first quarter-second tick that finds the loop busy; on a machine busy with
        # other work that can take a few ticks.
        deadline = time.monotonic() + 20
        while deferred_reads(native_app) == 0 and not load.failures:
            assert time.monotonic() < deadline, "the busy loop never deferred a keep-alive read"
            time.sleep(0.25)
        before = sum(load.served)
        time.sleep(1)  # keep going while reads are deferred
        assert sum(load.served) - before >= CLIENTS, load.served
    assert deferred_reads(native_app) > 0


def test_immediate_keepalive_reads_are_never_deferred(server_factory):
    server = server_factory("native_test_app", "--threads", "1", "--keepalive-reads", "immediate")
    with Saturation(server):
        time.sleep(2)  # eight ticks of a saturated loop
    assert deferred_reads(server) == 0


def test_a_loop_that_is_not_busy_reads_at_once(native_app):
    conn = http.client.HTTPConnection("127.0.0.1", native_app.port, timeout=5)
    for _ in range(30):  # 0.6 s: two ticks
        conn.request("GET", "/plain")
        r = conn.getresponse()
        assert (r.status, r.read()) == (200, b"plain")
        time.sleep(0.02)
    conn.close()
    assert deferred_reads(native_app) == 0
