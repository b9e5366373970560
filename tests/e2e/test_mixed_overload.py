"""Every WSGI thread stuck in time.sleep: native routes, health and metrics still answer at once; a bounded queue
answers 503 with Retry-After when full or when a request waited past --queue-timeout."""
import http.client
import time

import pytest

from support import APPS_DIR, FAST, SLACK, Background, get, metrics, wait_counted, wait_metric

APP = ("--chdir", APPS_DIR, "mixed_app:app")


def start(server_factory, *flags):
    return server_factory("mixed", "--loops", "1", *flags, *APP)


def test_native_routes_answer_while_every_wsgi_thread_sleeps(server_factory):
    site = start(server_factory, "--threads", "2")
    stuck = Background(site, ["/sleep?s=4", "/sleep?s=4", "/sleep?s=4"])
    wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 2)
    before = wait_metric(site, "updraft_wsgi_queue_depth", lambda v: v == 1)
    assert before["updraft_wsgi_busy_threads"] == 2
    assert before["updraft_wsgi_threads"] == 2

    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
    for i in range(50):
        r = get(site, "/native/hello", conn=conn if i % 2 else None)  # keep-alive and fresh connections
        assert r.status == 200 and r.text == "Hello, World!"
        assert r.seconds < FAST, f"/native/hello #{i} took {r.seconds:.3f}s while the WSGI threads sleep"
    conn.close()
    timed = get(site, "/native/sleep?ms=50")
    assert timed.status == 200 and 0.05 <= timed.seconds < 0.05 + FAST, timed.seconds
    health = get(site, "/native/health")
    assert (health.status, health.text) == (200, "ok\n")
    assert health.seconds < FAST
    during = metrics(site)
    assert during["updraft_wsgi_busy_threads"] == 2
    assert during["updraft_wsgi_queue_depth"] == 1
    assert during['updraft_responses_total{status="200"}'] >= 52

    replies = stuck.join()
    assert [r.status for r in replies] == [200, 200, 200]
    assert [r.text for r in replies] == ["slept\n"] * 3
    after = wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 0)
    assert after["updraft_wsgi_queue_depth"] == 0
    assert get(site, "/hello").text == "wsgi hello\n"


def test_a_full_queue_answers_503_with_retry_after_at_once(server_factory):
    site = start(server_factory, "--threads", "1", "--max-queue", "1")
    stuck = Background(site, ["/sleep?s=2"])
    wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 1)
    queued = Background(site, ["/hello"])
    wait_metric(site, "updraft_wsgi_queue_depth", lambda v: v == 1)

    for _ in range(3):
        r = get(site, "/hello")
        assert r.status == 503, r.text
        assert r.headers["retry-after"] == "1"
        assert r.text == "503 Service Unavailable: every WSGI thread is busy and the queue is full (--max-queue 1)\n"
        assert r.seconds < 0.5 * SLACK, f"the 503 took {r.seconds:.3f}s"
    assert get(site, "/native/hello").status == 200
    wait_counted(site, {}, {503: 3})

    assert [r.status for r in stuck.join()] == [200]
    assert [(r.status, r.text) for r in queued.join()] == [(200, "wsgi hello\n")]
    assert get(site, "/hello").status == 200


def test_a_503_keeps_the_connection_usable(server_factory):
    site = start(server_factory, "--threads", "1", "--max-queue", "0")
    stuck = Background(site, ["/sleep?s=1"])
    wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 1)
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
    conn.connect()
    local = conn.sock.getsockname()
    for path, status in [("/hello", 503), ("/native/hello", 200), ("/hello", 503), ("/native/health", 200)]:
        assert get(site, path, conn=conn).status == status, path
    assert conn.sock.getsockname() == local
    assert [r.status for r in stuck.join()] == [200]
    assert get(site, "/hello", conn=conn).status == 200
    conn.close()


@pytest.mark.parametrize("queue_timeout", [0.5, 1.5])
def test_a_request_waiting_past_the_queue_timeout_gets_503(server_factory, queue_timeout):
    site = start(server_factory, "--threads", "1", "--queue-timeout", str(queue_timeout))
    stuck = Background(site, ["/sleep?s=3"])
    wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 1)

    r = get(site, "/hello")
    assert r.status == 503, r.text
    assert r.headers["retry-after"] == "1"
    assert r.text == ("503 Service Unavailable: no WSGI thread was free within the queue timeout "
                      f"(--queue-timeout {queue_timeout:g} s)\n")
    assert queue_timeout - 0.05 <= r.seconds < queue_timeout + 0.5 * SLACK, f"503 after {r.seconds:.3f}s"
    assert metrics(site)["updraft_wsgi_queue_depth"] == 0  # the expired request left the queue

    assert [r.status for r in stuck.join()] == [200]
    start_ok = time.monotonic()
    assert get(site, "/hello").status == 200
    assert time.monotonic() - start_ok < 0.5 * SLACK


def test_a_503_while_the_body_is_still_arriving_reads_the_rest_and_keeps_the_connection(server_factory):
    """The queued request's body channel is full, so reading is paused, when the queue timeout answers 503: reading
    must resume (the rest of the body is discarded), or the client blocks sending and shutdown waits for it."""
    site = start(server_factory, "--threads", "1", "--queue-timeout", "0.5")
    stuck = Background(site, ["/sleep?s=2"])
    wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 1)
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
    body = b"x" * (8 << 20)  # far more than the body channel and the socket buffers hold
    r = get(site, "/hello", conn=conn, method="POST", body=body)
    assert (r.status, r.headers["retry-after"]) == (503, "1")
    assert get(site, "/native/hello", conn=conn).text == "Hello, World!"
    assert [r.status for r in stuck.join()] == [200]
    conn.close()
    assert site.stop(timeout=5 * SLACK) == 0, site.error_log()


@pytest.mark.parametrize("max_queue", [0, 1])
def test_a_burst_no_larger_than_the_idle_threads_is_never_refused(server_factory, max_queue):
    # Requests an idle thread is about to take are not waiting: only requests beyond the idle threads count.
    site = start(server_factory, "--threads", "4", "--max-queue", str(max_queue))
    for _ in range(5):
        wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 0)
        time.sleep(0.05)  # the threads that just answered are back waiting for work
        replies = Background(site, ["/sleep?s=0.2"] * 4).join()
        assert [r.status for r in replies] == [200] * 4
    stuck = Background(site, ["/sleep?s=1"] * 4)
    wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 4)
    queued = Background(site, ["/hello"] * max_queue)
    wait_metric(site, "updraft_wsgi_queue_depth", lambda v: v == max_queue)
    refused = get(site, "/hello")
    assert (refused.status, refused.headers["retry-after"]) == (503, "1")
    assert [r.status for r in stuck.join() + queued.join()] == [200] * (4 + max_queue)
