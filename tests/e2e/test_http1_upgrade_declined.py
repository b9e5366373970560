"""Upgrades the server declines (WebSocket on a plain route, h2c, CONNECT) get a normal answer and HTTP goes on."""
from support import GET, ResponseReader, is_open


def test_declined_websocket_upgrade_gets_a_normal_response(hello):
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
              b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
    status, headers, body = r.read()
    assert (status, body) == (200, b"Hello, World!")
    assert "upgrade" not in headers
    s.sendall(GET)
    assert r.read()[::2] == (200, b"Hello, World!")
    assert is_open(s)


def test_request_pipelined_behind_a_declined_upgrade_is_served(hello):
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
              + b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\n\r\nnext")
    assert r.read()[::2] == (200, b"Hello, World!")
    assert r.read()[::2] == (200, b"next")


def test_declined_h2c_upgrade(hello):
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
              b"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n" + GET)
    assert r.read()[::2] == (200, b"Hello, World!")
    assert r.read()[::2] == (200, b"Hello, World!")


def test_declined_upgrade_with_a_body(hello):
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nConnection: Upgrade\r\nUpgrade: foo\r\n"
              b"Content-Length: 5\r\n\r\nhello" + GET)
    assert r.read()[::2] == (200, b"hello")
    assert r.read()[::2] == (200, b"Hello, World!")


def test_connect_is_not_a_tunnel(hello):
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n" + GET)
    status, headers, _ = r.read()
    assert 400 <= status < 500  # the router's answer for an authority-form target; never a 2xx tunnel
    assert "connection" not in headers
    assert r.read()[::2] == (200, b"Hello, World!")
