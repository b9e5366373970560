"""WebSockets on the native sample's /ws/echo: the handshake's checks, echo through Python's `websockets` client, and
RFC 6455's rules with raw frames from a socket (each violation answered with its close code, then the end)."""
import asyncio
import os

import pytest
import websockets

from support import (BINARY, CLOSE, CONTINUATION, HANDSHAKE, PING, PONG, TEXT, RawWebSocket, ResponseReader,
                     close_payload, frame, http_request)

def url(server):
    return f"ws://127.0.0.1:{server.port}/ws/echo"


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


# --- the handshake ---

def handshake_answer(server, fields, method="GET"):
    with server.connect() as s:
        http_request(s, method, "/ws/echo", fields)
        return ResponseReader(s).read(method)


def test_the_handshake_answers_101_with_the_accept_key(hello):
    with hello.connect() as s:
        http_request(s, "GET", "/ws/echo", [("Upgrade", "websocket"), ("Connection", "keep-alive, Upgrade"),
                                            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                                            ("Sec-WebSocket-Version", "13")])
        head = s.recv(65536).decode("latin-1")
    assert head.startswith("HTTP/1.1 101 Switching Protocols\r\n")
    assert "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" in head
    assert "\r\nUpgrade: websocket\r\n" in head and "\r\nConnection: Upgrade\r\n" in head
    assert "Content-Length" not in head and "Transfer-Encoding" not in head


@pytest.mark.parametrize("drop, replace, status", [
    ("Sec-WebSocket-Key", None, 400),
    ("Sec-WebSocket-Key", ("Sec-WebSocket-Key", "not a key"), 400),
    ("Upgrade", None, 400),
    ("Upgrade", ("Upgrade", "h2c"), 400),
    ("Connection", None, 400),
    ("Sec-WebSocket-Version", ("Sec-WebSocket-Version", "8"), 426),
    ("Sec-WebSocket-Version", None, 426),
])
def test_a_bad_handshake_is_refused(hello, drop, replace, status):
    fields = [f for f in HANDSHAKE if f[0] != drop] + ([replace] if replace else [])
    r = handshake_answer(hello, fields)
    assert r.status == status, r.body
    if status == 426:
        assert r.headers["sec-websocket-version"] == "13"


def test_a_foreign_origin_is_refused_and_the_same_origin_accepted(hello):
    assert handshake_answer(hello, HANDSHAKE + [("Origin", "http://evil.example")]).status == 403
    ok = handshake_answer(hello, HANDSHAKE + [("Host", "Example.com:80"), ("Origin", "https://example.COM:80")])
    assert ok.status == 101


def test_a_post_is_not_a_handshake(hello):
    assert handshake_answer(hello, HANDSHAKE, method="POST").status == 405


# --- a real client ---

def test_text_and_binary_messages_come_back_as_sent(hello):
    async def session():
        async with websockets.connect(url(hello), compression=None, max_size=16 << 20) as ws:
            await ws.send("héllo")
            assert await ws.recv() == "héllo"
            await ws.send(b"\x00\xffbinary")
            assert await ws.recv() == b"\x00\xffbinary"
            big = os.urandom(3 << 20)
            await ws.send(big)
            assert await ws.recv() == big
            for i in range(200):  # many in flight at once
                await ws.send(f"m{i}")
            assert [await ws.recv() for _ in range(200)] == [f"m{i}" for i in range(200)]
            pong = await ws.ping(b"are you there")
            await asyncio.wait_for(pong, 5)
        assert ws.close_code == 1000
    run(session())


def test_many_clients_at_once_and_http_still_served(hello):
    async def one(i):
        async with websockets.connect(url(hello), compression=None) as ws:
            await ws.send(str(i))
            return await ws.recv()
    async def all_of_them():
        return await asyncio.gather(*(one(i) for i in range(100)))
    assert run(all_of_them()) == [str(i) for i in range(100)]
    with hello.connect() as s:
        http_request(s, "GET", "/")
        assert ResponseReader(s).read("GET").body == b"Hello, World!"


# --- the protocol, with raw frames ---

def test_frames_sent_with_the_handshake_are_not_lost(hello):
    ws = RawWebSocket(hello, first_frames=frame(TEXT, b"early") + frame(TEXT, b"bird"))
    assert ws.read_frame() == (TEXT, b"early", True)
    assert ws.read_frame() == (TEXT, b"bird", True)


def test_a_ping_gets_a_pong_even_between_the_fragments_of_a_message(hello):
    ws = RawWebSocket(hello)
    ws.send(frame(TEXT, b"frag", fin=False) + frame(PING, b"p1") + frame(CONTINUATION, b"mented", fin=False))
    ws.send(frame(CONTINUATION, b"!"))
    assert ws.read_frame() == (PONG, b"p1", True)
    assert ws.read_frame() == (TEXT, b"fragmented!", True)


def test_utf8_split_between_fragments_is_fine(hello):
    ws = RawWebSocket(hello)
    text = "κόσμε".encode()
    ws.send(frame(TEXT, text[:3], fin=False) + frame(CONTINUATION, text[3:]))
    assert ws.read_frame() == (TEXT, text, True)


def test_a_close_is_answered_with_the_same_code(hello):
    ws = RawWebSocket(hello)
    ws.send(frame(CLOSE, close_payload(1000, b"bye")))
    ws.expect_close(1000)


def test_a_close_without_a_code_is_answered_without_one(hello):
    ws = RawWebSocket(hello)
    ws.send(frame(CLOSE))
    opcode, payload, _ = ws.read_frame()
    assert (opcode, payload) == (CLOSE, b"")


@pytest.mark.parametrize("what, data, code", [
    ("an unmasked frame", frame(TEXT, b"x", mask=False), 1002),
    ("a reserved bit", frame(TEXT, b"x", rsv=0b100), 1002),
    ("a reserved opcode", frame(0x3, b"x"), 1002),
    ("a reserved control opcode", frame(0xB, b"x"), 1002),
    ("a fragmented ping", frame(PING, b"x", fin=False), 1002),
    ("a ping over 125 bytes", frame(PING, b"x" * 126), 1002),
    ("a continuation with no message", frame(CONTINUATION, b"x"), 1002),
    ("a new message inside another", frame(TEXT, b"a", fin=False) + frame(TEXT, b"b"), 1002),
    ("a close of one byte", frame(CLOSE, b"\x03"), 1002),
    ("a close with code 999", frame(CLOSE, close_payload(999)), 1002),
    ("a close with code 1005", frame(CLOSE, close_payload(1005)), 1002),
    ("a close with code 5000", frame(CLOSE, close_payload(5000)), 1002),
    ("invalid UTF-8", frame(TEXT, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"), 1007),
    ("invalid UTF-8 in the first fragment", frame(TEXT, b"\xff", fin=False), 1007),
    ("a close reason that is not UTF-8", frame(CLOSE, close_payload(1000, b"\xc0\xaf")), 1007),
    ("a message over 10 MiB", frame(BINARY, b"", length=(10 << 20) + 1), 1009),
])
def test_a_protocol_violation_gets_its_close_code_and_the_end(hello, what, data, code):
    ws = RawWebSocket(hello)
    ws.send(frame(TEXT, b"before"))
    assert ws.read_frame() == (TEXT, b"before", True)
    ws.send(data)
    ws.expect_close(code)


def test_violations_cut_byte_by_byte_get_the_same_answer(hello):
    ws = RawWebSocket(hello)
    for b in frame(TEXT, b"ok") + frame(TEXT, b"\xff"):
        ws.send(bytes([b]))
    assert ws.read_frame() == (TEXT, b"ok", True)
    ws.expect_close(1007)


def test_a_client_that_vanishes_leaves_the_server_serving(hello):
    for _ in range(50):
        ws = RawWebSocket(hello)
        ws.send(frame(TEXT, b"half", fin=False))
        ws.sock.close()
    async def check():
        async with websockets.connect(url(hello), compression=None) as ws:
            await ws.send("still here")
            return await ws.recv()
    assert run(check()) == "still here"
