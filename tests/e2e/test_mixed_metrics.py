"""Native Prometheus metrics: responses counted by status (native and WSGI, 503 and 504 too), the pool gauges, and
the GIL wait counter, which grows when a thread holds the GIL; native routes do not wait for it."""
import http.client
import time

from support import APPS_DIR, FAST, SLACK, Background, get, metrics, wait_counted, wait_metric

APP = ("--chdir", APPS_DIR, "mixed_app:app")
def start(server_factory, *flags):
    return server_factory("mixed", "--loops", "1", *flags, *APP)


def test_every_series_is_declared_with_its_type(server_factory):
    site = start(server_factory, "--threads", "3")
    assert get(site, "/hello").status == 200
    text = get(site, "/native/metrics").text
    types = dict(line.split()[2:4] for line in text.splitlines() if line.startswith("# TYPE "))
    assert types == {
        "updraft_responses_total": "counter",
        "updraft_keepalive_reads_deferred_total": "counter",
        "updraft_wsgi_queue_depth": "gauge",
        "updraft_wsgi_busy_threads": "gauge",
        "updraft_wsgi_threads": "gauge",
        "updraft_wsgi_replaced_threads_total": "counter",
        "updraft_wsgi_abandoned_threads": "gauge",
        "updraft_wsgi_computing_requests": "gauge",
        "updraft_wsgi_held_back_total": "counter",
        "updraft_wsgi_dropped_client_gone_total": "counter",
        "updraft_gil_wait_seconds_total": "counter",
        "updraft_route_duration_seconds": "histogram",
        "updraft_wsgi_duration_seconds": "histogram",
    }
    helps = {line.split()[2] for line in text.splitlines() if line.startswith("# HELP ")}
    assert helps == set(types)
    # The thread counts itself idle just after it hands its response to the loop: the client can ask first.
    m = wait_metric(site, "updraft_wsgi_busy_threads", lambda busy: busy == 0)
    assert m["updraft_wsgi_threads"] == 3
    assert m["updraft_wsgi_queue_depth"] == 0
    assert m["updraft_wsgi_replaced_threads_total"] == 0
    assert 0 <= m["updraft_gil_wait_seconds_total"] < 1  # one request on an idle server waited for the GIL briefly


def test_latency_is_counted_by_route_and_by_app(server_factory):
    site = start(server_factory, "--threads", "2")
    before = metrics(site)
    for path in ["/native/sleep?ms=30", "/native/sleep?ms=30", "/native/hello", "/sleep?s=0.2", "/hello"]:
        assert get(site, path).status == 200
    m = metrics(site)

    def grew(series):
        return m.get(series, 0) - before.get(series, 0)

    sleep, hello, wsgi = ('route="/native/sleep"', 'route="/native/hello"', 'app="mixed_app:app"')
    assert grew(f"updraft_route_duration_seconds_count{{{sleep}}}") == 2
    assert grew(f"updraft_route_duration_seconds_count{{{hello}}}") == 1
    assert grew(f"updraft_wsgi_duration_seconds_count{{{wsgi}}}") == 2
    # Buckets are cumulative: the 30 ms sleeps are above 25 ms and within 10 s (+Inf holds all).
    assert grew(f'updraft_route_duration_seconds_bucket{{{sleep},le="0.025"}}') == 0
    assert grew(f'updraft_route_duration_seconds_bucket{{{sleep},le="10"}}') == 2
    assert grew(f'updraft_wsgi_duration_seconds_bucket{{{wsgi},le="0.1"}}') == 1  # the hello, not the 0.2 s sleep
    assert grew(f'updraft_wsgi_duration_seconds_bucket{{{wsgi},le="+Inf"}}') == 2
    assert 0.06 <= grew(f"updraft_route_duration_seconds_sum{{{sleep}}}") < 2
    assert 0.2 <= grew(f"updraft_wsgi_duration_seconds_sum{{{wsgi}}}") < 3


def test_responses_are_counted_by_status(server_factory):
    site = start(server_factory, "--threads", "2")
    before = metrics(site)
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
    for _ in range(7):
        assert get(site, "/native/hello", conn=conn).status == 200
    for _ in range(5):
        assert get(site, "/hello", conn=conn).status == 200
    for _ in range(2):
        assert get(site, "/no/such/path", conn=conn).status == 404
    assert get(site, "/native/sleep?ms=bad", conn=conn).status == 400
    conn.close()
    wait_counted(site, before, {200: 7 + 5, 404: 2, 400: 1})


def test_503_and_504_are_counted(server_factory):
    site = start(server_factory, "--threads", "1", "--max-queue", "0", "--timeout", "1")
    before = metrics(site)
    spin = Background(site, ["/spin?s=10"])
    wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 1)
    assert get(site, "/hello").status == 503
    assert [r.status for r in spin.join()] == [504]
    wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 0)
    wait_counted(site, before, {503: 1, 504: 1})
    assert get(site, "/hello").status == 200


def test_gil_wait_grows_when_a_thread_holds_the_gil(server_factory):
    # Shared dispatch: the fair one would keep the request in the queue while the GIL is held.
    site = start(server_factory, "--threads", "2", "--dispatch", "shared")
    for _ in range(3):
        assert get(site, "/hello").status == 200
    idle = metrics(site)["updraft_gil_wait_seconds_total"]
    assert idle < 0.1 * SLACK, "threads waited for a GIL nobody held"

    hog = Background(site, ["/hog?s=3"])
    wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 1)
    time.sleep(0.2)
    waiter = get(site, "/hello")  # the other thread cannot enter Python until the hog's C call returns
    assert waiter.status == 200 and waiter.seconds > 0.5, waiter.seconds
    assert hog.join()[0].status == 200
    waited = metrics(site)["updraft_gil_wait_seconds_total"] - idle
    assert waiter.seconds - 0.3 * SLACK <= waited <= waiter.seconds + 0.3 * SLACK, (waited, waiter.seconds)


def test_gil_wait_counts_taking_it_back_after_waiting_for_the_body(server_factory):
    # The worker waits for the body with the GIL released; when the body arrives another thread holds the GIL.
    site = start(server_factory, "--threads", "2")
    body = b"x" * 1_500_000  # over the 1 MiB read whole by the loop: the app starts before the body has arrived
    idle = metrics(site)["updraft_gil_wait_seconds_total"]
    with site.connect() as s:
        s.sendall(b"POST /read HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:10])
        wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 1)
        hog = Background(site, ["/hog?s=3"])
        wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 2)
        time.sleep(0.2)
        s.sendall(body[10:])
        sent = time.monotonic()
        s.settimeout(10)
        answer = b""
        while not answer.endswith(b"1500000\n"):
            chunk = s.recv(4096)
            assert chunk, answer
            answer += chunk
        blocked = time.monotonic() - sent  # the reader had its body, then waited for the hog to let go
        assert answer.startswith(b"HTTP/1.1 200 ")
    assert hog.join()[0].status == 200
    assert blocked > 0.5, blocked
    waited = metrics(site)["updraft_gil_wait_seconds_total"] - idle
    assert blocked - 0.3 * SLACK <= waited <= blocked + 0.3 * SLACK, f"the reader waited {blocked:.3f}s; the counter grew {waited:.3f}s"

def test_native_routes_answer_while_a_thread_holds_the_gil(server_factory):
    site = start(server_factory, "--threads", "1")
    hog = Background(site, ["/hog?s=1.5"])
    wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 1)
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
    for path in ["/native/hello", "/native/health", "/native/metrics"] * 5:
        r = get(site, path, conn=conn)
        assert r.status == 200 and r.seconds < FAST, (path, r.seconds)
    conn.close()
    assert hog.join()[0].status == 200
