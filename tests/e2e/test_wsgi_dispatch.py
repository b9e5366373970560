"""Fair dispatch (--dispatch fair, the default): CPU-bound WSGI requests run one at a time in arrival order however
many threads there are, I/O-bound ones still overlap up to --threads, and the metrics show the dispatch; --dispatch
shared starts every request at once, as before."""
import selectors
import time

from support import APPS_DIR, SLACK, Background, get, metrics, wait_metric

APP = ("--chdir", APPS_DIR, "mixed_app:app")


def start(server_factory, *flags):
    return server_factory("mixed", "--loops", "1", "--threads", "8", *flags, *APP)


def finish_times(site, path, count, spacing):
    """Sends count requests for path on their own connections, spacing seconds apart; the seconds from the first send
    to each response's end, in the order sent."""
    conns = [site.connect(timeout=30) for _ in range(count)]
    request = b"GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % path.encode()
    begin = time.monotonic()
    for i, conn in enumerate(conns):
        time.sleep(max(0, begin + i * spacing - time.monotonic()))
        conn.sendall(request)
    selector = selectors.DefaultSelector()
    for i, conn in enumerate(conns):
        selector.register(conn, selectors.EVENT_READ, i)
    answers, done = [b""] * count, [None] * count
    while None in done:
        events = selector.select(timeout=30 * SLACK)
        assert events, f"no answer in time: {answers}"
        for key, _ in events:
            chunk = key.fileobj.recv(65536)
            if chunk:
                answers[key.data] += chunk
                continue
            done[key.data] = time.monotonic() - begin
            selector.unregister(key.fileobj)
            key.fileobj.close()
    assert all(a.startswith(b"HTTP/1.1 200 ") for a in answers), answers
    return done


def alone(site, path):
    get(site, path)  # warm
    return min(get(site, path).seconds for _ in range(3))


def test_cpu_bound_requests_finish_in_arrival_order(server_factory):
    site = start(server_factory)
    path = "/compute?s=0.04"
    service = alone(site, path)
    before = metrics(site)["updraft_wsgi_held_back_total"]
    done = finish_times(site, path, 8, spacing=0.005)
    assert done == sorted(done), [f"{d:.3f}" for d in done]
    # The first ran alone; sharing the GIL with seven others it would have taken about eight times as long.
    assert done[0] < 2.5 * service, (done[0], service)
    assert metrics(site)["updraft_wsgi_held_back_total"] - before >= 6


def test_io_bound_requests_overlap_up_to_the_threads(server_factory):
    site = start(server_factory)
    begin = time.monotonic()
    replies = Background(site, ["/sleep?s=0.5"] * 8).join()
    took = time.monotonic() - begin
    assert [r.status for r in replies] == [200] * 8
    assert took < 0.5 + 0.4 * SLACK, f"eight 0.5 s sleeps on eight threads took {took:.2f}s"


def test_a_request_waits_while_another_computes(server_factory):
    site = start(server_factory)
    compute = Background(site, ["/compute?s=1.5"])
    wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 1)
    held = Background(site, ["/hello"])
    wait_metric(site, "updraft_wsgi_queue_depth", lambda v: v == 1)  # the hello arrived, on a loaded machine late
    time.sleep(0.3)  # the time it had to start wrongly
    m = metrics(site)
    assert m["updraft_wsgi_busy_threads"] == 1, "the hello started beside a computing request"
    assert m["updraft_wsgi_queue_depth"] == 1 and m["updraft_wsgi_computing_requests"] == 1, m
    assert [r.status for r in compute.join()] == [200]
    hello = held.join()[0]
    assert hello.status == 200 and hello.seconds > 0.3


def test_a_request_computing_past_a_second_no_longer_holds_the_queue(server_factory):
    site = start(server_factory)
    stuck = Background(site, ["/compute?s=4"])
    wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 1)
    hello = get(site, "/hello")
    assert hello.status == 200 and hello.seconds < 3, hello.seconds
    assert [r.status for r in stuck.join()] == [200]


def test_shared_dispatch_starts_every_request_at_once(server_factory):
    site = start(server_factory, "--dispatch", "shared")
    computing = Background(site, ["/compute?s=0.5"] * 4)
    wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 4)
    assert [r.status for r in computing.join()] == [200] * 4
    assert metrics(site)["updraft_wsgi_held_back_total"] == 0
