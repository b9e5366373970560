"""10,000 WebSockets on one loop thread (2,000 under the sanitizers, whose memory and speed costs are not the point
there): all subscribe to one topic, one publish reaches every one of them, the loop answers HTTP meanwhile, and after
they vanish (resets and closing handshakes) nothing is left: the open-WebSocket gauge is back to 0 and a second round
of as many connections does not grow the server again. And 5,000 idle echo WebSockets on hello cost at most the
issue's 2 KiB each (bench/ws_vs_peers.sh's reading, repeated). The memory checks are skipped under the sanitizers
(ASan's redzones and quarantine make a connection several times larger and keep freed memory); leaks are theirs to
find."""
import os
import resource
import selectors
import socket
import struct
import time

import pytest

from support import BINARY, HANDSHAKE, frame, get, metrics, wait_metric

SANITIZED = bool(os.environ.get("UPDRAFT_SANITIZED"))
COUNT = 2000 if SANITIZED else 10000
OPEN = "updraft_websocket_connections"


@pytest.fixture(autouse=True)
def enough_descriptors():
    """Raises the soft RLIMIT_NOFILE (inherited by the server) so COUNT connections fit on both sides."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = COUNT + 1000
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} is below {wanted}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def read_all(socks, wanted, timeout):
    """Reads each socket until its buffer ends with wanted(sock) bytes: {sock: bytes}. Non-blocking, one selector."""
    sel = selectors.DefaultSelector()
    got = {}
    for s in socks:
        got[s] = b""
        sel.register(s, selectors.EVENT_READ)
    pending = len(socks)
    deadline = time.monotonic() + timeout
    while pending:
        assert time.monotonic() < deadline, f"{pending} of {len(socks)} sockets still waiting"
        for key, _ in sel.select(1):
            s = key.fileobj
            data = s.recv(65536)
            assert data, "a WebSocket closed"
            got[s] += data
            if got[s].endswith(wanted):
                sel.unregister(s)
                pending -= 1
    sel.close()
    return got


def open_websockets(server, path, count, first_frame):
    """count WebSockets to path, each read until its buffer ends with first_frame."""
    head = "".join(f"{k}: {v}\r\n" for k, v in [("Host", f"127.0.0.1:{server.port}")] + HANDSHAKE)
    request = f"GET {path} HTTP/1.1\r\n{head}\r\n".encode()
    socks = []
    for _ in range(count):
        s = socket.create_connection((server.host, server.port), timeout=10)
        s.sendall(request)
        s.setblocking(False)
        socks.append(s)
    for s, data in read_all(socks, first_frame, 120).items():
        assert data.startswith(b"HTTP/1.1 101 "), data[:100]
    return socks


def open_subscribers(server, count):
    return open_websockets(server, "/ws/topic/all", count, bytes([0x81, len(b"subscribed all")]) + b"subscribed all")


def echo_once(socks, payload):
    """One masked binary message on each socket, and its echo read back."""
    for s in socks:
        s.setblocking(True)
        s.sendall(frame(BINARY, payload))
        s.setblocking(False)
    read_all(socks, bytes([0x82, len(payload)]) + payload, 60)


def vanish(socks):
    """Half reset, half with a masked Close frame (1000)."""
    for i, s in enumerate(socks):
        if i % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            s.setblocking(True)
            s.sendall(bytes([0x88, 0x82, 0, 0, 0, 0]) + struct.pack("!H", 1000))
        s.close()


def test_ten_thousand_subscribers_get_one_publish_and_leave_nothing_behind(server_factory):
    server = server_factory("native_test_app", "--threads", "1", "--log-level", "warning")
    baseline = server.rss_kib()
    socks = open_subscribers(server, COUNT)
    assert metrics(server, "/metrics")[OPEN] == COUNT
    first_round = server.rss_kib() - baseline
    print(f"{COUNT} WebSockets: +{first_round} KiB, {first_round * 1024 / COUNT:.0f} bytes each")
    assert SANITIZED or first_round * 1024 / COUNT < 8192, "more than 8 KiB per idle WebSocket"

    r = get(server, "/publish/all?count=1", method="POST", body=b"to everyone")
    assert r.status == 200
    message = bytes([0x81, len(b"to everyone")]) + b"to everyone"
    assert all(data == message for data in read_all(socks, message, 60).values())
    assert get(server, "/").status == 200

    vanish(socks)
    wait_metric(server, OPEN, lambda v: v == 0, path="/metrics", timeout=30)
    socks = open_subscribers(server, COUNT)
    second_round = server.rss_kib() - baseline
    assert SANITIZED or second_round < first_round * 1.25 + 2048, f"grew {first_round} KiB, then {second_round} KiB"
    vanish(socks)
    wait_metric(server, OPEN, lambda v: v == 0, path="/metrics", timeout=30)


def test_an_idle_echo_websocket_costs_at_most_2_kib(server_factory):
    """The issue's target, measured as bench/ws_vs_peers.sh does: after a warm-up of 100 echoing connections and 2 s of
    quiet, 5,000 WebSockets with one 64-byte echo each and 2 s to settle; 1.70 KiB each when this was written."""
    if SANITIZED:
        pytest.skip("memory per connection means nothing under the sanitizers")
    server = server_factory("hello", "--threads", "1", "--log-level", "warning")
    payload = bytes(range(64))
    warm = open_websockets(server, "/ws/echo", 100, b"\r\n\r\n")
    for _ in range(20):
        echo_once(warm, payload)
    vanish(warm)
    time.sleep(2)
    baseline = server.rss_kib()
    count = 5000
    socks = open_websockets(server, "/ws/echo", count, b"\r\n\r\n")
    echo_once(socks, payload)
    time.sleep(2)
    per_websocket = (server.rss_kib() - baseline) * 1024 / count
    print(f"{count} idle WebSockets: {per_websocket:.0f} bytes each")
    assert per_websocket <= 2048, f"{per_websocket:.0f} bytes per idle WebSocket (target 2 KiB)"
    vanish(socks)
