"""permessage-deflate (RFC 7692) on hello's /ws/echo, which accepts it when offered (Autobahn's compression
category): negotiation and its parameters, echoes that stay compressed with and without context takeover, Python's
websockets and Node's ws with compression, and raw frames for every way a compressed message can be wrong: data that
is not deflate (1007), a small payload inflating past the limit (1009), inflated text that is not UTF-8 (1007), RSV1
on a continuation or control frame or without the extension (1002). native_test_app does not enable it."""
import asyncio
import os
import zlib

import websockets

from support import BINARY, CLOSE, CONTINUATION, PING, TEXT, RawWebSocket, close_payload, frame
from test_websocket_interop import node_client

TAIL = b"\x00\x00\xff\xff"


def deflate_offer(server, offer, path="/ws/echo"):
    """A raw WebSocket whose handshake offers `offer`; returns it and the extension the server answered (or None)."""
    ws = RawWebSocket(server, path=path, extensions=offer)
    answered = [line.split(":", 1)[1].strip() for line in ws.head.split("\r\n")
                if line.lower().startswith("sec-websocket-extensions:")]
    return ws, (answered[0] if answered else None)


def compress(message, wbits=15, compressor=None):
    c = compressor or zlib.compressobj(6, zlib.DEFLATED, -wbits)
    data = c.compress(message) + c.flush(zlib.Z_SYNC_FLUSH)
    assert data.endswith(TAIL)
    return data[:-4]


def test_python_websockets_negotiates_deflate_and_every_echo_round_trips(hello):
    async def session():
        async with websockets.connect(f"ws://127.0.0.1:{hello.port}/ws/echo", max_size=None) as ws:
            assert [e.name for e in ws.extensions] == ["permessage-deflate"]
            messages = ["hello " * 1000, "hello " * 1000, os.urandom(100_000), b"", "", "é" * 50_000,
                        b"\x00" * (1 << 20)]
            for m in messages:
                await ws.send(m)
                assert await ws.recv() == m
    asyncio.run(asyncio.wait_for(session(), 30))


def test_without_an_offer_or_without_compression_enabled_nothing_is_negotiated(hello, native_app):
    async def session():
        async with websockets.connect(f"ws://127.0.0.1:{hello.port}/ws/echo", compression=None) as ws:
            assert ws.extensions == []
            await ws.send("plain")
            assert await ws.recv() == "plain"
        async with websockets.connect(f"ws://127.0.0.1:{native_app.port}/ws/commands") as ws:
            assert ws.extensions == []
            assert await ws.recv() == "opened"
    asyncio.run(asyncio.wait_for(session(), 30))


def test_node_ws_with_per_message_deflate(hello):
    result = node_client(hello, "deflate")
    assert result["echoed"] == 14 and result["mismatches"] == []
    assert result["extensions"].startswith("permessage-deflate")


def test_the_servers_answer_follows_the_offer(hello):
    cases = [
        ("permessage-deflate", "permessage-deflate"),
        ("permessage-deflate; client_max_window_bits", "permessage-deflate"),
        ("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
         "permessage-deflate; server_no_context_takeover; client_no_context_takeover"),
        ("permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=10"),
        ('permessage-deflate; client_max_window_bits="9"', "permessage-deflate; client_max_window_bits=9"),
        ("permessage-deflate; unknown_parameter, permessage-deflate", "permessage-deflate"),
        ("permessage-deflate; server_max_window_bits=16", None),
        ("permessage-deflate; server_no_context_takeover; server_no_context_takeover", None),
        ("x-webkit-deflate-frame", None),
    ]
    for offer, expected in cases:
        ws, answered = deflate_offer(hello, offer)
        assert answered == expected, offer
        ws.sock.close()


def echo_compressed(ws, messages, wbits=15, takeover=True):
    """Sends each message compressed, expects it back compressed (RSV1) and returns what inflated."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    decompressor = zlib.decompressobj(-wbits)
    for m in messages:
        if not takeover:
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        ws.send(frame(BINARY, compress(m, compressor=compressor), rsv=4))
        opcode, payload, fin = ws.read_frame()
        assert (opcode, fin) == (BINARY, True)
        if not takeover:
            decompressor = zlib.decompressobj(-wbits)
        assert decompressor.decompress(payload + TAIL) == m


def test_compressed_echoes_with_context_takeover_and_a_small_window(hello):
    ws, answered = deflate_offer(hello, "permessage-deflate; server_max_window_bits=9")
    assert answered == "permessage-deflate; server_max_window_bits=9"
    echo_compressed(ws, [b"abc" * 1000, b"abc" * 1000, os.urandom(3000), b"x"], wbits=9)


def test_compressed_echoes_without_context_takeover(hello):
    ws, answered = deflate_offer(hello, "permessage-deflate; server_no_context_takeover; client_no_context_takeover")
    assert "server_no_context_takeover" in answered
    echo_compressed(ws, [b"same message " * 100] * 3, takeover=False)


def test_a_compressed_message_over_several_frames_with_a_ping_between(hello):
    ws, _ = deflate_offer(hello, "permessage-deflate")
    data = compress(b"fragmented " * 500)
    third = len(data) // 3
    ws.send(frame(BINARY, data[:third], fin=False, rsv=4) + frame(PING, b"p") +
            frame(CONTINUATION, data[third:2 * third], fin=False) + frame(CONTINUATION, data[2 * third:]))
    assert ws.read_frame()[0] == 0xA  # the pong comes first
    opcode, payload, _ = ws.read_frame()
    assert opcode == BINARY
    assert zlib.decompressobj(-15).decompress(payload + TAIL) == b"fragmented " * 500


def test_data_that_is_not_deflate_is_1007(hello):
    ws, _ = deflate_offer(hello, "permessage-deflate")
    ws.send(frame(BINARY, b"\xff\xff\xff\xff not deflate", rsv=4))
    ws.expect_close(1007)


def test_a_small_payload_inflating_past_the_limit_is_1009(server_factory):
    server = server_factory("hello", "--ws-max-message", "65536")
    ws, _ = deflate_offer(server, "permessage-deflate")
    bomb = compress(b"\x00" * (10 << 20))
    assert len(bomb) < 20_000
    ws.send(frame(BINARY, bomb, rsv=4))
    ws.expect_close(1009)


def test_compressed_text_that_inflates_to_bad_utf8_is_1007(hello):
    ws, _ = deflate_offer(hello, "permessage-deflate")
    ws.send(frame(TEXT, compress(b"valid, then \xc0\xaf"), rsv=4))
    ws.expect_close(1007)


def test_rsv1_where_it_may_not_be_is_1002(hello):
    ws, _ = deflate_offer(hello, "permessage-deflate")
    ws.send(frame(BINARY, compress(b"a"), fin=False, rsv=4) + frame(CONTINUATION, compress(b"b"), rsv=4))
    ws.expect_close(1002)
    ws, _ = deflate_offer(hello, "permessage-deflate")
    ws.send(frame(PING, b"x", rsv=4))
    ws.expect_close(1002)
    ws, answered = deflate_offer(hello, None)
    assert answered is None
    ws.send(frame(TEXT, compress(b"not negotiated"), rsv=4))
    ws.expect_close(1002)


def test_a_close_frame_ends_a_compressed_session_normally(hello):
    ws, _ = deflate_offer(hello, "permessage-deflate")
    echo_compressed(ws, [b"before closing"])
    ws.send(frame(CLOSE, close_payload(1000)))
    assert ws.expect_close(1000) == b""
