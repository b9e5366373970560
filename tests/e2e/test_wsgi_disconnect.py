"""Client disconnects: iteration stops and close() runs, write() raises, a cut upload ends the read, threads come back,
and a request still queued when its client leaves never runs."""
import re
import socket
import time
import uuid

import pytest
import requests

from support import SLACK, http_request, metrics, serve, wait_metric


@pytest.fixture(scope="module")
def server():
    # Bodies over 64 KiB stream to the app, so that a cut upload reaches it (smaller ones are read whole first); a
    # spool of 4 MiB, so that how far a generator runs ahead of a client that leaves stays small and checkable.
    yield from serve("disconnect_app:app", "--threads", "2", "--buffer-request-body", "65536",
                     "--response-spool-max", str(4 << 20), "--metrics-path", "/metrics")


def events(server, ident):
    return requests.get(f"{server.url}/events?id={ident}", timeout=5).json()


def wait_events(server, ident, predicate, timeout=5 * SLACK):
    deadline = time.monotonic() + timeout
    while True:
        got = events(server, ident)
        if predicate(got):
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"events for {ident}: {got}")
        time.sleep(0.05)


def new_id():
    return uuid.uuid4().hex[:12]


def assert_serving(server):
    assert requests.get(server.url + "/ok", timeout=5).text == "ok"


def read_some_then_close(server, target, amount=1 << 20, reset=False):
    s = server.connect()
    http_request(s, "GET", target)
    got = 0
    while got < amount:
        got += len(s.recv(65536))
    if reset:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()


@pytest.mark.parametrize("reset", [False, True])
def test_generator_stops_and_is_closed(server, reset):
    ident = new_id()
    read_some_then_close(server, f"/stream?id={ident}", reset=reset)
    got = wait_events(server, ident, lambda e: e)
    assert len(got) == 1 and got[0].startswith("close after ")
    time.sleep(0.3)
    assert events(server, ident) == got  # closed once, nothing after
    chunks = int(re.search(r"\d+", got[0]).group())
    assert chunks < 200, "the app kept producing long after the client left"
    assert_serving(server)


def test_slow_generator_is_closed_at_its_next_chunk(server):
    ident = new_id()
    read_some_then_close(server, f"/stream?id={ident}&delay=0.1", amount=65536)
    got = wait_events(server, ident, lambda e: e)
    assert got[0].startswith("close after ")
    assert_serving(server)


def test_write_raises_once_the_client_is_gone(server):
    ident = new_id()
    read_some_then_close(server, f"/write?id={ident}")
    assert wait_events(server, ident, lambda e: e) == ["write failed: OSError"]
    assert_serving(server)


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_cut_upload_ends_the_apps_read_with_an_error(server, framing):
    ident = new_id()
    s = server.connect()
    if framing == "length":
        http_request(s, "POST", f"/upload?id={ident}", [("Content-Length", str(4 << 20))], b"u" * (1 << 20))
    else:
        chunk = b"%x\r\n%s\r\n" % (65536, b"u" * 65536)
        http_request(s, "POST", f"/upload?id={ident}", [("Transfer-Encoding", "chunked")], chunk * 16)
    time.sleep(0.3)
    s.close()
    got = wait_events(server, ident, lambda e: e)
    assert len(got) == 1
    m = re.fullmatch(r"read (\d+) then (\w+)", got[0])
    assert m, got
    assert int(m.group(1)) <= 1 << 20
    assert m.group(2) == "OSError", "a cut upload must not look like a complete body to the app"
    assert_serving(server)


def test_disconnect_before_the_app_answers(server):
    ident = new_id()
    s = server.connect()
    http_request(s, "GET", f"/slow-start?id={ident}&delay=0.5")
    time.sleep(0.1)
    s.close()
    assert wait_events(server, ident, lambda e: len(e) >= 2) == ["woke up", "close"]
    assert_serving(server)


def test_a_queued_request_whose_client_leaves_never_runs(server):
    dropped = "updraft_wsgi_dropped_client_gone_total"
    before = metrics(server, "/metrics")[dropped]
    blockers = [new_id(), new_id()]
    held = [server.connect() for _ in blockers]
    for s, ident in zip(held, blockers):  # both threads sleep
        http_request(s, "GET", f"/slow-start?id={ident}&delay={SLACK}")
    queued = new_id()
    s = server.connect()
    http_request(s, "GET", f"/slow-start?id={queued}&delay=0")
    wait_metric(server, "updraft_wsgi_queue_depth", lambda depth: depth == 1, path="/metrics")
    s.close()
    m = wait_metric(server, dropped, lambda n: n == before + 1, path="/metrics")
    assert m["updraft_wsgi_queue_depth"] == 0  # its slot is free at once
    for s, ident in zip(held, blockers):
        assert s.recv(65536).startswith(b"HTTP/1.1 200 OK")
        s.close()
        wait_events(server, ident, lambda e: len(e) >= 2)
    assert_serving(server)  # queued after it, were it still there
    assert_serving(server)
    assert events(server, queued) == [], "the app ran a request whose client had left"
    assert metrics(server, "/metrics")[dropped] == before + 1


def test_worker_threads_come_back_after_many_disconnects(server):
    idents = [new_id() for _ in range(8)]
    for ident in idents:
        read_some_then_close(server, f"/stream?id={ident}", amount=256 * 1024)
    for ident in idents:
        wait_events(server, ident, lambda e: e)
    start = time.monotonic()
    for _ in range(5):
        assert_serving(server)
    assert time.monotonic() - start < 2 * SLACK
