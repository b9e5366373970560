"""run_in_executor: blocking work in a native handler runs off the loop, so the loop keeps answering meanwhile."""
import concurrent.futures
import time

import requests

from support import APPS_DIR


def test_blocking_calls_run_off_the_loop(server_factory):
    server = server_factory("mixed", "--chdir", APPS_DIR, "environ_app:app")
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        blocked = [pool.submit(requests.get, server.url + "/native/blocking?ms=800") for _ in range(4)]
        time.sleep(0.2)
        # Four handlers are blocked in the executor; the loop itself is free.
        t0 = time.monotonic()
        hello = requests.get(server.url + "/native/hello")
        hello_time = time.monotonic() - t0
        results = [f.result() for f in blocked]
    elapsed = time.monotonic() - started
    assert hello.status_code == 200 and hello.text == "Hello, World!"
    assert hello_time < 0.5, hello_time
    assert [r.status_code for r in results] == [200] * 4
    assert all(r.text == "blocked 800 ms off the loop" for r in results)
    # The executor has 4 threads: the four calls overlap instead of taking 3.2 s in a row.
    assert elapsed < 2.5, elapsed


def test_executor_errors_become_http_errors(server_factory):
    server = server_factory("mixed", "--chdir", APPS_DIR, "environ_app:app")
    r = requests.get(server.url + "/native/blocking?ms=-5")
    assert r.status_code == 400
    for path in ("/native/blocking?ms=abc", "/native/sleep?ms=5x", "/native/sleep?ms=99999999999999999999"):
        r = requests.get(server.url + path)
        assert r.status_code == 400, path  # get_argument<long>: a bad number is the client's error, not a 500
        assert "Malformed argument ms" in r.text
    assert requests.get(server.url + "/native/hello").status_code == 200
