"""--timeout: a WSGI request past its deadline gets 504; a busy loop is interrupted by a TimeoutError (stack logged,
thread kept); a thread stuck in time.sleep is replaced after the grace period; the server keeps serving."""
import re
import time

from support import APPS_DIR, FAST, SLACK, Background, get, metrics, wait_counted, wait_metric

APP = ("--chdir", APPS_DIR, "mixed_app:app")
GRACE = 5  # seconds a thread gets to unwind after the interrupt (WsgiContainerOptions::unwind_grace)


def start(server_factory, threads, timeout=1):
    return server_factory("mixed", "--loops", "1", "--threads", str(threads), "--timeout", str(timeout), *APP)


def assert_504(r, timeout):
    assert r.status == 504, r.text
    assert r.text == "Gateway Timeout\n"
    assert "retry-after" not in r.headers
    assert timeout - 0.05 <= r.seconds < timeout + 0.5 * SLACK, f"504 after {r.seconds:.3f}s"


def test_a_busy_loop_past_the_timeout_is_interrupted_and_its_thread_kept(server_factory):
    site = start(server_factory, threads=1)
    thread = get(site, "/thread").text

    assert_504(get(site, "/spin?s=30"), 1)
    site.wait_error_log("error handling GET /spin?s=30:", timeout=5)
    # The TimeoutError unwound the loop in the same thread, which then serves the next request.
    deadline = time.monotonic() + 2
    while get(site, "/last-spin").text == "None None\n" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert get(site, "/last-spin").text == f"{thread.strip()} TimeoutError\n"
    nxt = get(site, "/thread")
    assert (nxt.status, nxt.text) == (200, thread)

    log = site.error_log()
    assert "GET /spin?s=30 ran past --timeout 1 s: 504, interrupting its thread" in log
    stack = log.split("raising TimeoutError in its thread. Stack:\n", 1)[1]
    assert re.search(r'mixed_app\.py", line \d+, in _spin\n', stack), stack
    assert "TimeoutError" in log.split("error handling GET /spin?s=30:", 1)[1]

    time.sleep(GRACE + 0.5)  # past the grace period: the thread unwound, so it was not replaced
    m = wait_counted(site, {}, {504: 1})
    assert m["updraft_wsgi_replaced_threads_total"] == 0
    assert m["updraft_wsgi_busy_threads"] == 0
    assert "did not unwind" not in site.error_log()
    assert get(site, "/thread").text == thread


def test_a_thread_stuck_in_sleep_past_the_timeout_is_replaced(server_factory):
    site = start(server_factory, threads=2)
    assert_504(get(site, "/sleep?s=10"), 1)
    site.wait_error_log("in _sleep\n    time.sleep(seconds)", timeout=5)

    # The other thread serves at once; native routes answer while the stuck one sleeps.
    assert (get(site, "/hello").status, get(site, "/hello").text) == (200, "wsgi hello\n")
    for _ in range(10):
        r = get(site, "/native/hello")
        assert r.status == 200 and r.seconds < FAST
    assert metrics(site)["updraft_wsgi_replaced_threads_total"] == 0

    m = wait_metric(site, "updraft_wsgi_replaced_threads_total", lambda v: v == 1, timeout=GRACE + 2)
    assert "WSGI thread did not unwind 5 s after its deadline: replacing it" in site.error_log()
    assert m["updraft_wsgi_threads"] == 2
    # The abandoned thread still sleeps, but it is no longer one of the pool's threads: none of these is busy.
    assert m["updraft_wsgi_busy_threads"] == 0
    # Two threads again: two sleeps run side by side.
    started = time.monotonic()
    replies = Background(site, ["/sleep?s=0.6", "/sleep?s=0.6"]).join()
    assert [r.status for r in replies] == [200, 200]
    assert time.monotonic() - started < 0.6 + 0.5 * SLACK, "the two sleeps did not run in parallel: the pool lost a thread"
    assert get(site, "/hello").status == 200
    # The abandoned thread is still in time.sleep: shutdown neither waits for it nor crashes.
    assert site.stop(timeout=15) == 0, site.error_log()


def test_one_thread_stuck_then_replaced_serves_again(server_factory):
    site = start(server_factory, threads=1, timeout=1.5)
    first = get(site, "/thread").text
    assert_504(get(site, "/sleep?s=10"), 1.5)
    wait_metric(site, "updraft_wsgi_replaced_threads_total", lambda v: v == 1, timeout=GRACE + 2)
    r = get(site, "/thread")
    assert r.status == 200
    assert r.text != first, "the request ran on the stuck thread"
    assert get(site, "/spin?s=0.1").text == "spun\n"
    assert get(site, "/native/health").text == "ok\n"


def test_a_request_within_the_timeout_is_not_touched(server_factory):
    site = start(server_factory, threads=1, timeout=2)
    for path, body in [("/sleep?s=1", "slept\n"), ("/spin?s=1", "spun\n")]:
        r = get(site, path)
        assert (r.status, r.text) == (200, body)
    time.sleep(1.2)  # past the deadline the first requests would have had: nothing fires late
    assert get(site, "/last-spin").text == "None None\n"
    assert get(site, "/spin?s=0.2").status == 200
    assert "ran past --timeout" not in site.error_log()
