"""WebSocketHandler's hooks and calls, with Tornado's meanings, on native_test_app's /ws/commands: open() speaks first,
on_close() sees the peer's code and reason (or none when it vanished), close() from the server with the peer's answer
or, without one, the end after 5 s, write_message() after close() is WebSocketClosedError, JSON, subprotocols."""
import asyncio
import json
import socket
import time

import requests
import websockets

from support import CLOSE, SLACK, TEXT, RawWebSocket, close_payload, frame


def url(server):
    return f"ws://127.0.0.1:{server.port}/ws/commands"


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def log(server):
    return requests.get(server.url + "/ws/log").json()


def wait_log(server, line, timeout=5):
    deadline = time.monotonic() + timeout
    while line not in log(server):
        assert time.monotonic() < deadline, log(server)
        time.sleep(0.05)


def test_open_speaks_first_and_on_close_sees_the_clients_code_and_reason(native_app):
    async def session():
        async with websockets.connect(url(native_app)) as ws:
            assert await ws.recv() == "opened"
            await ws.send("echo me")
            assert await ws.recv() == "echo me"
            await ws.close(4001, "client is done")
    run(session())
    wait_log(native_app, "closed 4001 client is done")


def opened(server, command=None):
    """A raw WebSocket on /ws/commands past its "opened", with command sent if given."""
    ws = RawWebSocket(server, path="/ws/commands")
    assert ws.read_frame() == (TEXT, b"opened", True)
    if command:
        ws.send(frame(TEXT, command))
    return ws


def test_a_client_that_vanishes_is_an_on_close_without_a_code(native_app):
    ws = opened(native_app)
    ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # a reset
    ws.sock.close()
    wait_log(native_app, "closed abruptly")


def test_close_from_the_server_with_the_clients_answer(native_app):
    async def session():
        async with websockets.connect(url(native_app)) as ws:
            assert await ws.recv() == "opened"
            await ws.send("close 4002 server says bye")
            await ws.wait_closed()
            return ws.close_code, ws.close_reason
    assert run(session()) == (4002, "server says bye")
    wait_log(native_app, "closed 4002 server says bye")


def test_a_peer_that_never_answers_a_close_is_cut_after_5_s(native_app):
    ws = opened(native_app, b"close 4003")
    assert ws.read_frame() == (CLOSE, close_payload(4003), True)
    began = time.monotonic()
    ws.sock.settimeout(10)
    assert ws.sock.recv(100) == b""  # nothing answered: the server gives up
    assert 4.5 < time.monotonic() - began < 5 + 3 * SLACK
    wait_log(native_app, "closed abruptly")


def test_write_message_after_close_is_an_error_not_a_crash(native_app):
    ws = opened(native_app, b"close-then-write")
    assert ws.read_frame() == (CLOSE, close_payload(4000), True)
    ws.send(frame(CLOSE, close_payload(4000)))
    wait_log(native_app, "write after close: WebSocketClosedError")
    wait_log(native_app, "closed 4000 ")
    assert requests.get(native_app.url + "/counters").status_code == 200


def test_json_and_the_selected_subprotocol(native_app):
    async def session():
        async with websockets.connect(url(native_app), subprotocols=["superchat", "chat"]) as ws:
            assert ws.subprotocol == "chat"
            assert await ws.recv() == "opened"
            await ws.send("json")
            assert json.loads(await ws.recv()) == {"ok": True}
            await ws.send("subprotocol")
            assert await ws.recv() == "chat"
        async with websockets.connect(url(native_app), subprotocols=["superchat"]) as ws:
            assert ws.subprotocol is None
    run(session())
