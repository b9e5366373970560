"""Tornado's WebSocket settings as flags of hello: --ws-ping-interval sends pings, --ws-ping-timeout closes (1011) a peer
whose pongs stop, a client that answers stays; --ws-max-message sets the largest message (1009 past it)."""
import asyncio
import struct
import time

import websockets

from support import BINARY, CLOSE, PING, PONG, TEXT, RawWebSocket, frame


def test_pings_come_at_the_interval_and_a_peer_that_answers_stays_open(server_factory):
    server = server_factory("hello", "--threads", "1", "--ws-ping-interval", "0.2", "--ws-ping-timeout", "0.5")
    ws = RawWebSocket(server)
    ws.sock.settimeout(5)
    started = time.monotonic()
    pings = []
    while time.monotonic() - started < 1.5:
        opcode, payload, _ = ws.read_frame()
        assert opcode == PING, opcode
        pings.append(time.monotonic() - started)
        ws.send(frame(PONG, payload))
    assert 5 <= len(pings) <= 9, pings  # one every 0.2 s
    ws.send(frame(TEXT, b"still here"))
    while (got := ws.read_frame())[0] == PING:
        ws.send(frame(PONG, got[1]))
    assert got == (TEXT, b"still here", True)


def test_a_peer_whose_pongs_stop_is_closed_with_1011_after_the_ping_timeout(server_factory):
    server = server_factory("hello", "--threads", "1", "--ws-ping-interval", "0.2", "--ws-ping-timeout", "0.5")
    ws = RawWebSocket(server)
    ws.sock.settimeout(5)
    started = time.monotonic()
    while (got := ws.read_frame())[0] == PING:
        pass  # never answered
    elapsed = time.monotonic() - started
    assert got[0] == CLOSE and struct.unpack("!H", got[1][:2])[0] == 1011, got
    assert got[1][2:] == b"ping timeout"
    assert 0.5 <= elapsed < 3, elapsed


def test_a_client_library_answering_pings_by_itself_stays_connected_past_the_timeout(server_factory):
    server = server_factory("hello", "--threads", "1", "--ws-ping-interval", "0.1", "--ws-ping-timeout", "0.3")

    async def session():
        async with websockets.connect(f"ws://127.0.0.1:{server.port}/ws/echo", ping_interval=None) as ws:
            await asyncio.sleep(1.2)
            await ws.send("after a second")
            assert await ws.recv() == "after a second"
    asyncio.run(asyncio.wait_for(session(), 30))


def test_no_pings_by_default(hello):
    ws = RawWebSocket(hello)
    ws.sock.settimeout(1.0)
    ws.send(frame(TEXT, b"x"))
    assert ws.read_frame() == (TEXT, b"x", True)
    try:
        got = ws.read_frame()
    except TimeoutError:
        return
    raise AssertionError(f"unexpected frame {got}")


def test_ws_max_message_sets_the_largest_message(server_factory):
    server = server_factory("hello", "--threads", "1", "--ws-max-message", "1000")
    ws = RawWebSocket(server)
    ws.send(frame(BINARY, b"a" * 1000))
    assert ws.read_frame() == (BINARY, b"a" * 1000, True)
    ws.send(frame(BINARY, b"a" * 600, fin=False) + frame(0, b"a" * 401))
    ws.expect_close(1009)
