"""Streamed request bodies end to end: a handler with stream_request_body gets prepare() on the head, then each
chunk as it arrives, in order; a coroutine data_received() pauses reading (the client's sends stall in the socket
buffers); set_max_body_size() in prepare() is a 413 that says the limit (tests/native/native_test_app.cpp)."""
import json
import select
import socket
import time

import requests

from support import SLACK, read_until_closed

BIG = 64 << 20


def connect(server):
    return socket.create_connection(("127.0.0.1", server.port), timeout=30 * SLACK)


def test_a_slow_clients_body_arrives_in_order_in_pieces(native_app):
    pieces = [b"first-", b"second-", b"third"]
    with connect(native_app) as s:
        s.sendall(b"POST /stream/upload?echo=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  b"Content-Length: %d\r\n\r\n" % sum(map(len, pieces)))
        for piece in pieces:
            time.sleep(0.2)
            s.sendall(piece)
        head, _, body = read_until_closed(s, timeout=10 * SLACK).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    answer = json.loads(body)
    assert answer["echo"] == "first-second-third"
    # Each piece is normally a chunk of its own; a loaded machine may deliver two at once, never one in no piece.
    assert len(answer["chunks"]) >= 2 and sum(answer["chunks"]) == len(answer["echo"])
    assert answer["body"] == 0, "body() stays empty for a streaming handler"


def test_a_chunked_upload_streams(native_app):
    def chunks():
        for piece in (b"ab", b"cd", b"ef"):
            yield piece
    r = requests.put(native_app.url + "/stream/upload?echo=1", data=chunks())
    assert r.status_code == 200
    assert (r.json()["echo"], r.json()["total"]) == ("abcdef", 6)


def test_set_max_body_size_in_prepare_is_a_413_naming_the_limit(native_app):
    r = requests.post(native_app.url + "/stream/upload?max=10", data=b"x" * 11)
    assert r.status_code == 413
    assert "request body too large (the limit is 10 bytes)" in r.text
    r = requests.post(native_app.url + "/stream/upload?max=10", data=b"x" * 10)
    assert (r.status_code, r.json()["total"]) == (200, 10)


def test_a_coroutine_data_received_pauses_reading_until_it_finishes(native_app):
    with connect(native_app) as s:
        s.sendall(b"POST /stream/gated HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % BIG)
        s.setblocking(False)
        block = b"x" * 65536
        sent = 0

        def send_until_stalled():
            nonlocal sent
            while sent < BIG:
                try:
                    sent += s.send(block[:BIG - sent])
                except BlockingIOError:
                    if not select.select([], [s], [], 1.0)[1]:
                        return  # nothing taken for a second: the server stopped reading

        send_until_stalled()
        deadline = time.monotonic() + 10 * SLACK  # a loaded machine may have been slow to take the first chunk
        while requests.get(native_app.url + "/stream/gate").text == "0" and time.monotonic() < deadline:
            time.sleep(0.01)
        send_until_stalled()
        assert sent < BIG // 2, f"the server took {sent} bytes while its handler was paused"
        assert requests.get(native_app.url + "/stream/gate").text == "1", "one chunk delivered, then reading paused"
        time.sleep(0.3)
        assert requests.get(native_app.url + "/stream/gate").text == "1"
        assert requests.post(native_app.url + "/stream/gate").text == "open"
        while sent < BIG:
            select.select([], [s], [], 30 * SLACK)
            send_until_stalled()
        s.setblocking(True)
        response = read_until_closed(s, timeout=30 * SLACK)
    assert response.startswith(b"HTTP/1.1 200")
    assert response.endswith(b"received %d" % BIG)
    assert int(requests.get(native_app.url + "/stream/gate").text) > 1
