"""core/pg on a loop, end to end (tests/native/pg_test_app.cpp against a throwaway cluster): 1,000 concurrent
PostgreSQL queries on one loop thread while its native hello route keeps answering within 5 ms at the 99th percentile
(asserted with a margin: the test machine is shared), and a database that goes away costs errors, never the loop."""
import http.client
import threading
import time

import pytest
import requests

from pg_cluster import PgCluster
from support import SLACK, start_server


@pytest.fixture(scope="module")
def cluster():
    c = PgCluster()
    yield c
    c.close()


@pytest.fixture
def app(cluster, server_factory):
    return server_factory("pg_test_app", "--threads", "1", "--pg-connections", "8",
                          "--pg", f"host={cluster.dir} dbname=postgres user=postgres")


def hello_latencies_while(app, busy):
    """GET /hello on one kept-alive connection, every 2 ms, while busy() is true; their durations in seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=10)
    latencies = []
    while busy():
        start = time.perf_counter()
        conn.request("GET", "/hello")
        r = conn.getresponse()
        body = r.read()
        latencies.append(time.perf_counter() - start)
        assert (r.status, body) == (200, b"Hello, World!")
        time.sleep(0.002)
    conn.close()
    return sorted(latencies)


def burst_in_background(app, n, sleep_ms):
    outcome = {}

    def run():
        outcome["response"] = requests.get(f"{app.url}/burst", params={"n": n, "sleep_ms": sleep_ms}, timeout=120)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_hello_answers_within_5_ms_p99_while_1000_queries_run_on_its_loop(app):
    r = requests.get(f"{app.url}/burst", params={"n": 10}, timeout=30)  # the pool's connections open
    assert r.text.startswith("answered 10 failed 0"), r.text
    thread, outcome = burst_in_background(app, 1000, 2)
    latencies = hello_latencies_while(app, thread.is_alive)
    thread.join()
    r = outcome["response"]
    assert r.status_code == 200 and r.text.startswith("answered 1000 failed 0 in "), r.text
    assert len(latencies) >= 20, f"only {len(latencies)} hellos during the burst ({r.text})"
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"hello during 1000 queries: {len(latencies)} requests, p50 {latencies[len(latencies) // 2] * 1000:.2f} ms,"
          f" p99 {p99 * 1000:.2f} ms, max {latencies[-1] * 1000:.2f} ms; burst: {r.text}")
    # 5 ms is the goal; a loaded test machine gets 10 times that. A loop blocked on the database would take the whole
    # burst (1000 queries of 2 ms each on 8 connections: 250 ms or more).
    assert p99 < 0.050 * SLACK, f"p99 {p99 * 1000:.1f} ms over {len(latencies)} hellos ({r.text})"


def test_a_stopped_database_fails_the_queries_and_the_loop_keeps_answering(app, cluster):
    assert requests.get(f"{app.url}/burst", params={"n": 100}, timeout=30).text.startswith("answered 100 failed 0")
    thread, outcome = burst_in_background(app, 200, 50)  # 200 queries of 50 ms: 1.25 s on 8 connections
    time.sleep(0.3)
    stopper = threading.Thread(target=cluster.stop)
    stopper.start()
    try:
        latencies = hello_latencies_while(app, lambda: thread.is_alive() or stopper.is_alive())
        thread.join()
        stopper.join()
        r = outcome["response"]
        answered, failed = int(r.text.split()[1]), int(r.text.split()[3])
        assert answered + failed == 200 and failed > 0, r.text
        assert latencies[-1] < 1.0 * SLACK, f"a hello took {latencies[-1]:.3f} s while the database went away"
        start = time.monotonic()
        r = requests.get(f"{app.url}/burst", params={"n": 5}, timeout=30)
        assert r.text.startswith("answered 0 failed 5"), r.text
        assert time.monotonic() - start < 2 * SLACK
    finally:
        cluster.start()
    r = requests.get(f"{app.url}/burst", params={"n": 50}, timeout=30)
    assert r.text.startswith("answered 50 failed 0"), r.text


def test_the_server_stops_cleanly_with_its_pool_open(cluster):
    """The loop closes its pool's connections as it goes (SIGTERM while they are open): exit 0, no sanitizer
    report, and the sessions are gone from the server."""
    app = start_server("pg_test_app", "--threads", "2", "--pg", f"host={cluster.dir} dbname=postgres user=postgres")
    try:
        for _ in range(4):  # queries on both loops
            assert requests.get(f"{app.url}/burst", params={"n": 20}, timeout=30).text.startswith("answered 20")
    finally:
        code = app.stop()
    assert code == 0, app.error_log()
    sessions = "select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()"
    deadline = time.monotonic() + 10 * SLACK
    while cluster.psql(sessions) != "0":
        assert time.monotonic() < deadline, "the server's sessions outlived it"
        time.sleep(0.05)
