"""WebSocket topics across processes through Debian's redis-server (--ws-redis): a message published in one process
reaches the subscribers of both, text and binary; when Redis goes away each process still serves its own subscribers
and its loops keep answering, and once Redis is back (same port) the topics are subscribed again and messages cross."""
import asyncio
import shutil
import socket
import subprocess
import time

import pytest
import requests
import websockets

from support import free_port


@pytest.fixture
def redis_port():
    port = free_port()
    proc = start_redis(port)
    yield port
    proc.terminate()
    proc.wait(10)


def start_redis(port):
    redis = shutil.which("redis-server")
    assert redis, "redis-server is not installed (scripts/install-deps.sh installs it)"
    proc = subprocess.Popen([redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def subscriber(server, topic):
    ws = await websockets.connect(f"ws://127.0.0.1:{server.port}/ws/topic/{topic}")
    assert await ws.recv() == f"subscribed {topic}"
    return ws


def publish(server, topic, body, **params):
    r = requests.post(f"{server.url}/publish/{topic}", data=body, params=params, timeout=10)
    assert r.status_code == 200, r.text


async def publish_until_received(publisher, topic, ws, body, timeout=10):
    """Publishes body every 0.1 s until ws gets it (the subscription reaches Redis asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        await asyncio.to_thread(publish, publisher, topic, body)
        try:
            got = await asyncio.wait_for(ws.recv(), 0.1)
            assert got == body, got
            return
        except asyncio.TimeoutError:
            assert time.monotonic() < deadline, f"{body!r} never arrived through Redis"


async def drain(ws, wait=0.3):
    """Drops the repeats publish_until_received may have left behind."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), wait)
    except asyncio.TimeoutError:
        pass


def test_a_message_published_in_one_process_reaches_the_subscribers_of_both(server_factory, redis_port):
    a = server_factory("native_test_app", "--threads", "2", "--ws-redis", f"127.0.0.1:{redis_port}")
    b = server_factory("native_test_app", "--threads", "1", "--ws-redis", f"127.0.0.1:{redis_port}")

    async def session():
        on_a, on_b = await subscriber(a, "news"), await subscriber(b, "news")
        await publish_until_received(a, "news", on_b, "warm-up")
        await drain(on_a)
        await drain(on_b)
        # One at a time: the two processes publish on connections of their own, and Redis orders messages by when
        # they reach it, so messages sent from both at once may arrive in either order.
        sends = [(lambda: asyncio.to_thread(publish, a, "news", "from a"), "from a"),
                 (lambda: asyncio.to_thread(publish, b, "news", b"\x00\x01from b", binary="1"), b"\x00\x01from b"),
                 (lambda: on_a.send("publish from a websocket on a"), "from a websocket on a")]
        for send, message in sends:
            await send()
            for ws in (on_a, on_b):
                assert await asyncio.wait_for(ws.recv(), 5) == message
        await on_a.close()
        await on_b.close()
    run(session())


def test_without_redis_a_process_serves_its_own_subscribers_and_reconnects_when_redis_is_back(server_factory):
    port = free_port()
    redis = start_redis(port)
    a = server_factory("native_test_app", "--threads", "1", "--ws-redis", f"127.0.0.1:{port}")
    b = server_factory("native_test_app", "--threads", "1", "--ws-redis", f"127.0.0.1:{port}")
    try:
        async def session():
            on_a, on_b = await subscriber(a, "t"), await subscriber(b, "t")
            await publish_until_received(a, "t", on_b, "before")
            await drain(on_a)
            redis.terminate()
            redis.wait(10)
            # Redis is gone: a's subscribers still get a's messages, and its loop answers at once.
            await publish_until_received(a, "t", on_a, "local only")
            started = time.monotonic()
            assert (await asyncio.to_thread(requests.get, a.url + "/", timeout=5)).status_code == 200
            assert time.monotonic() - started < 1
            await drain(on_a)
            assert a.proc.poll() is None and b.proc.poll() is None
            restarted = start_redis(port)
            try:
                await drain(on_b)
                await publish_until_received(a, "t", on_b, "after", timeout=15)
            finally:
                restarted.terminate()
                restarted.wait(10)
            await on_a.close()
            await on_b.close()
        run(session())
    finally:
        if redis.poll() is None:
            redis.terminate()
            redis.wait(10)
    assert "Redis broker" in a.error_log()
