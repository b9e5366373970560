"""WebSocket topics on native_test_app's /ws/topic/TOPIC (subscribe in a coroutine open()) and POST /publish/TOPIC:
a publish from a loop, a thread or a WebSocket reaches the subscribers of every loop thread, unsubscribing and closing
stop it, and a subscriber that does not read is dropped from or closed, within --ws-max-buffered, while the others get
everything."""
import asyncio
import socket
import time

import pytest
import requests
import websockets

from support import CLOSE, TEXT, RawWebSocket, metrics, wait_metric

DROPPED = "updraft_websocket_messages_dropped_total"
SLOW_CLOSED = "updraft_websocket_slow_peers_closed_total"
OPEN = "updraft_websocket_connections"


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def subscribe(server, topic, count=1, query=""):
    sockets = []
    for _ in range(count):
        ws = await websockets.connect(f"ws://127.0.0.1:{server.port}/ws/topic/{topic}{query}", max_size=None)
        assert await ws.recv() == f"subscribed {topic}"
        sockets.append(ws)
    return sockets


def publish(server, topic, body, count=1, **params):
    r = requests.post(f"{server.url}/publish/{topic}", data=body, params={"count": count, **params}, timeout=30)
    assert r.status_code == 200 and r.text == f"published {count}", r.text


async def receive(ws, n, timeout=10):
    return [await asyncio.wait_for(ws.recv(), timeout) for _ in range(n)]


async def nothing_more(ws, wait=0.3):
    try:
        got = await asyncio.wait_for(ws.recv(), wait)
    except asyncio.TimeoutError:
        return True
    raise AssertionError(f"unexpected message {got!r}")


def test_a_publish_reaches_the_subscribers_of_every_loop_from_a_loop_a_thread_and_a_websocket(server_factory):
    server = server_factory("native_test_app", "--threads", "2")

    async def session():
        subscribers = await subscribe(server, "news", 12)
        loops = set()
        for ws in subscribers:
            await ws.send("where")
            loops.add(await ws.recv())
        assert len(loops) == 2, "SO_REUSEPORT put all twelve connections on one loop"
        others = await subscribe(server, "sport")
        await asyncio.to_thread(publish, server, "news", "from a loop", 3)
        await asyncio.to_thread(publish, server, "news", "from a thread", 2, **{"from": "thread"})
        await asyncio.to_thread(publish, server, "news", b"\x00\xffbinary", 1, binary="1")
        await subscribers[5].send("publish from a websocket")
        expected = ["from a loop"] * 3 + ["from a thread"] * 2 + [b"\x00\xffbinary", "from a websocket"]
        for ws in subscribers:
            assert await receive(ws, len(expected)) == expected
        assert await nothing_more(others[0])
    run(session())


def test_unsubscribing_and_closing_stop_the_messages(native_app):
    async def session():
        a, b, c = await subscribe(native_app, "room", 3)
        await b.send("unsubscribe")
        assert await b.recv() == "unsubscribed"
        await c.close()
        await asyncio.to_thread(publish, native_app, "room", "after")
        assert await receive(a, 1) == ["after"]
        assert await nothing_more(b)
        await a.close()
        await b.close()
    run(session())
    wait_metric(native_app, OPEN, lambda v: v == 0, path="/metrics")


def test_a_publish_after_subscribers_vanished_reaches_the_living_ones(native_app):
    async def session():
        living = (await subscribe(native_app, "t"))[0]
        for _ in range(20):
            raw = RawWebSocket(native_app, path="/ws/topic/t")
            assert raw.read_frame() == (TEXT, b"subscribed t", True)
            raw.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            raw.sock.close()  # a reset, no Close frame
        await asyncio.to_thread(publish, native_app, "t", "still here", 50)
        assert await receive(living, 50) == ["still here"] * 50
    run(session())
    wait_metric(native_app, OPEN, lambda v: v == 0, path="/metrics")


def test_a_coroutine_open_holds_the_messages_that_came_before_it_finished(native_app):
    async def session():
        ws = await websockets.connect(f"ws://127.0.0.1:{native_app.port}/ws/topic/slow?open_ms=300")
        started = time.monotonic()
        await ws.send("sent during open")
        assert await ws.recv() == "subscribed slow"
        assert time.monotonic() - started >= 0.25
        assert await ws.recv() == "sent during open"
        await ws.close()
    run(session())


def slow_subscriber(server, topic):
    """A subscriber that reads nothing after its "subscribed": a small receive buffer, so the server's queue fills."""
    raw = RawWebSocket(server, path=f"/ws/topic/{topic}", rcvbuf=4096)
    assert raw.read_frame() == (TEXT, b"subscribed " + topic.encode(), True)
    return raw


def test_a_subscriber_that_does_not_read_loses_messages_past_its_limit_and_the_others_lose_none(server_factory):
    server = server_factory("native_test_app", "--threads", "1", "--ws-max-buffered", "262144")
    message = "m" * 16384
    slow = slow_subscriber(server, "feed")

    async def session():
        fast = (await subscribe(server, "feed"))[0]
        before = server.rss_kib()
        for i in range(10):  # 300 messages, 4.9 MB, for each subscriber
            await asyncio.to_thread(publish, server, "feed", f"{i:03d}" + message, 30)
            got = await receive(fast, 30)
            assert [m[:3] for m in got] == [f"{i:03d}"] * 30
        grown = server.rss_kib() - before
        assert grown < 16 * 1024, f"the server grew by {grown} KiB for a subscriber that does not read"
        await fast.close()
    run(session())
    # What the slow one did not take stays in its queue (at most 256 KiB) or the kernel's socket buffers (which the
    # kernel may grow to a few MB); the rest is dropped and counted, and every message not dropped arrives in order.
    dropped = metrics(server, "/metrics")[DROPPED]
    assert dropped >= 1

    slow.sock.settimeout(10)
    kept = []
    while len(kept) < 300 - dropped:
        opcode, payload, _ = slow.read_frame()
        assert opcode == TEXT and len(payload) == 3 + 16384
        kept.append(payload[:3].decode())
    assert kept == sorted(kept), "the messages a slow subscriber keeps come in order"
    assert 1 <= len(kept) < 300
    slow.sock.settimeout(0.3)
    with pytest.raises(socket.timeout):
        slow.read_frame()


def test_a_subscriber_that_does_not_read_is_closed_with_1008_under_the_close_policy(server_factory):
    server = server_factory("native_test_app", "--threads", "1", "--ws-max-buffered", "65536",
                            "--ws-slow-peer", "close")
    slow = slow_subscriber(server, "feed")

    async def session():
        fast = (await subscribe(server, "feed"))[0]
        for _ in range(10):  # 9.8 MB: more than the kernel's socket buffers take
            await asyncio.to_thread(publish, server, "feed", "x" * 32768, 30)
            assert len(await receive(fast, 30)) == 30
        await fast.close()
    run(session())
    assert metrics(server, "/metrics")[SLOW_CLOSED] == 1
    # Its Close frame waits behind what it did not read; the connection ends when the 5 s for an answer pass.
    slow.sock.settimeout(10)
    frames = []
    try:
        while True:
            frames.append(slow.read_frame())
    except (EOFError, ConnectionResetError):
        pass
    opcodes = [f[0] for f in frames]
    assert CLOSE in opcodes and opcodes[-1] == CLOSE, opcodes
    assert frames[-1][1][:2] == (1008).to_bytes(2, "big")
    assert len(frames) - 1 < 300
    wait_metric(server, OPEN, lambda v: v == 0, path="/metrics")
