"""--timeout: a WSGI request past its deadline gets 504 and its thread is replaced at once (the next request never
waits for it); a busy loop is interrupted by a TimeoutError (stack logged) and its thread exits; a thread stuck in
time.sleep exits when the sleep ends; past as many stuck threads as --threads, a lone process says so and a forked
worker is recycled; the server keeps serving."""
import re
import time

from support import APPS_DIR, FAST, SLACK, Background, get, metrics, wait_counted, wait_metric

APP = ("--chdir", APPS_DIR, "mixed_app:app")
REPLACED = "updraft_wsgi_replaced_threads_total"
ABANDONED = "updraft_wsgi_abandoned_threads"


def start(server_factory, threads, timeout=1):
    return server_factory("mixed", "--loops", "1", "--threads", str(threads), "--timeout", str(timeout), *APP)


def assert_504(r, timeout):
    assert r.status == 504, r.text
    assert r.text == ("504 Gateway Timeout: the application did not answer within the request timeout "
                      f"(--timeout {timeout:g} s)\n")
    assert "retry-after" not in r.headers
    assert timeout - 0.05 <= r.seconds < timeout + 0.5 * SLACK, f"504 after {r.seconds:.3f}s"


def test_a_busy_loop_past_the_timeout_is_interrupted_and_its_thread_replaced(server_factory):
    site = start(server_factory, threads=1)
    thread = get(site, "/thread").text

    assert_504(get(site, "/spin?s=30"), 1)
    site.wait_error_log("error handling GET /spin?s=30:", timeout=5)
    # The TimeoutError unwound the loop in the old thread; a new one serves the next request.
    deadline = time.monotonic() + 2
    while get(site, "/last-spin").text == "None None\n" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert get(site, "/last-spin").text == f"{thread.strip()} TimeoutError\n"
    nxt = get(site, "/thread")
    assert nxt.status == 200 and nxt.text != thread

    log = site.error_log()
    assert "GET /spin?s=30 ran past --timeout 1 s: 504, its thread interrupted and replaced" in log
    stack = log.split("raising TimeoutError in its thread. Stack:\n", 1)[1]
    assert re.search(r'mixed_app\.py", line \d+, in _spin\n', stack), stack
    assert "TimeoutError" in log.split("error handling GET /spin?s=30:", 1)[1]

    m = wait_metric(site, ABANDONED, lambda v: v == 0)  # the old thread unwound and exited
    m = wait_counted(site, m, {})
    assert m[REPLACED] == 1 and m["updraft_wsgi_busy_threads"] == 0


def test_a_thread_stuck_in_sleep_is_replaced_at_once_and_exits_when_the_sleep_ends(server_factory):
    site = start(server_factory, threads=2)
    assert_504(get(site, "/sleep?s=3"), 1)
    site.wait_error_log("in _sleep\n    time.sleep(seconds)", timeout=5)
    m = metrics(site)
    assert (m[REPLACED], m[ABANDONED], m["updraft_wsgi_busy_threads"]) == (1, 1, 0)

    # Two threads again at once: two sleeps run side by side while the stuck one still sleeps.
    started = time.monotonic()
    replies = Background(site, ["/sleep?s=0.6", "/sleep?s=0.6"]).join()
    assert [r.status for r in replies] == [200, 200]
    assert time.monotonic() - started < 0.6 + 0.5 * SLACK, "the two sleeps did not run in parallel: the pool lost a thread"
    for _ in range(10):
        r = get(site, "/native/hello")
        assert r.status == 200 and r.seconds < FAST
    wait_metric(site, ABANDONED, lambda v: v == 0, timeout=5)  # its sleep ended: it unwound and exited
    assert get(site, "/hello").status == 200


def test_a_plain_request_right_after_the_504s_is_answered(server_factory):
    """Both threads stuck past --timeout 2: the request sent right after their 504s gets 200 at once."""
    site = start(server_factory, threads=2, timeout=2)
    stuck = Background(site, ["/sleep?s=10", "/sleep?s=10"])
    assert [r.status for r in stuck.join()] == [504, 504]
    r = get(site, "/hello")
    assert (r.status, r.text) == (200, "wsgi hello\n")
    assert r.seconds < FAST, f"waited {r.seconds:.3f}s for a thread"
    # The stuck threads still sleep: shutdown neither waits for them nor crashes.
    assert site.stop(timeout=15) == 0, site.error_log()


def test_one_thread_stuck_then_more_a_lone_process_keeps_serving_and_says_so(server_factory):
    site = start(server_factory, threads=1, timeout=1.5)
    first = get(site, "/thread").text
    assert_504(get(site, "/sleep?s=10"), 1.5)
    r = get(site, "/thread")
    assert r.status == 200 and r.text != first, "the request ran on the stuck thread"
    assert "restart the server" not in site.error_log()
    assert_504(get(site, "/sleep?s=10"), 1.5)  # a second stuck thread: more than --threads
    site.wait_error_log("2 WSGI threads replaced past --timeout are still stuck; restart the server when you can",
                        timeout=5)
    assert get(site, "/spin?s=0.1").text == "spun\n"
    assert get(site, "/native/health").text == "ok\n"


def test_a_forked_worker_with_too_many_stuck_threads_is_recycled(updraft):
    server = updraft("mixed_app:app", "-w", "2", "--threads", "1", "--timeout", "1", "--health-path", "/healthz")
    # Stuck requests until one worker has two stuck threads (the kernel spreads connections over the two).
    deadline = time.monotonic() + 60
    while "recycling this worker process" not in server.error_log():
        assert time.monotonic() < deadline, server.error_log()
        assert get(server, "/sleep?s=20").status == 504
    server.wait_error_log("recycled: starting a fresh one", timeout=15)
    for _ in range(20):
        assert get(server, "/hello").status == 200
    assert "was killed" not in server.error_log() and "exited with status" not in server.error_log()


def test_a_request_within_the_timeout_is_not_touched(server_factory):
    site = start(server_factory, threads=1, timeout=2)
    for path, body in [("/sleep?s=1", "slept\n"), ("/spin?s=1", "spun\n")]:
        r = get(site, path)
        assert (r.status, r.text) == (200, body)
    time.sleep(1.2)  # past the deadline the first requests would have had: nothing fires late
    assert get(site, "/last-spin").text == "None None\n"
    assert get(site, "/spin?s=0.2").status == 200
    assert "ran past --timeout" not in site.error_log()
