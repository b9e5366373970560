"""Native routes and the Flask sample on one port: one keep-alive connection alternates between C++ and Python."""
import asyncio
import http.client
import json

import pytest
import websockets

from support import FLASK_DIR, get


@pytest.fixture
def site(server_factory):
    return server_factory("mixed", "--threads", "2", "--chdir", FLASK_DIR, "app:app")


def test_one_connection_alternates_native_and_flask(site):
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    conn.connect()
    local = conn.sock.getsockname()
    steps = [
        ("/native/hello", 200, "text/plain", "Hello, World!"),
        ("/", 200, "text/html; charset=utf-8", "A Flask app running on updraft's WSGI gateway."),
        ("/native/sleep?ms=30", 200, "text/plain", "slept 30 ms"),
        ("/api/items", 200, "application/json", '"items"'),
        ("/native/health", 200, "text/plain", "ok\n"),
        ("/stream?n=3", 200, "text/plain; charset=utf-8", "line 3 of 3 from /stream\n"),
        ("/native/hello", 200, "text/plain", "Hello, World!"),
        ("/no/such/page", 404, "text/html; charset=utf-8", "Not Found"),
        ("/native/hello", 200, "text/plain", "Hello, World!"),
    ]
    for path, status, content_type, text in steps * 2:
        r = get(site, path, conn=conn)
        assert (path, r.status) == (path, status), r.text
        assert r.headers["content-type"] == content_type, path
        assert text in r.text, (path, r.text)
        assert r.headers.get("connection", "").lower() != "close", path
        assert conn.sock is not None and conn.sock.getsockname() == local, f"{path} was not on the first connection"
    conn.close()


def test_flask_post_then_native_on_the_same_connection(site):
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    conn.connect()
    local = conn.sock.getsockname()
    created = get(site, "/api/items", conn=conn, method="POST", body=json.dumps({"name": "wrench", "qty": 3}),
                  headers={"Content-Type": "application/json"})
    assert created.status == 201, created.text
    item = json.loads(created.body)
    assert (item["name"], item["qty"]) == ("wrench", 3)
    assert get(site, "/native/hello", conn=conn).text == "Hello, World!"
    fetched = get(site, f"/api/items/{item['id']}", conn=conn)
    assert fetched.status == 200
    assert json.loads(fetched.body) == item
    assert conn.sock.getsockname() == local
    conn.close()


def test_paths_beside_the_native_routes_go_to_flask(site):
    # Only the exact native paths are native; a neighbour falls through to the WSGI app (Flask's 404 page).
    for path in ("/native/hello/", "/native/hellox", "/native", "/native/metrics/extra"):
        r = get(site, path)
        assert r.status == 404, path
        assert r.headers["content-type"] == "text/html; charset=utf-8", path
        assert "<title>404 Not Found</title>" in r.text, path


def test_head_on_a_native_route_and_on_flask(site):
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    for path in ("/native/hello", "/"):
        conn.request("HEAD", path)
        r = conn.getresponse()
        assert r.status == 200, path
        assert r.read() == b"", path
        assert int(r.getheader("Content-Length")) > 0, path
    assert get(site, "/native/hello", conn=conn).text == "Hello, World!"
    conn.close()


def test_a_websocket_beside_the_flask_app_on_the_same_port(site):
    """/native/ws/echo is a native WebSocket; a Flask page and a WebSocket message alternate on one port, and an
    upgrade request for a Flask path is the Flask app's to answer (it declines: no 101)."""
    async def session():
        async with websockets.connect(f"ws://127.0.0.1:{site.port}/native/ws/echo") as ws:
            for i in range(3):
                await ws.send(f"message {i}")
                assert await ws.recv() == f"message {i}"
                r = await asyncio.to_thread(get, site, "/api/items")
                assert r.status == 200 and '"items"' in r.text
            await ws.send(b"\x00binary")
            assert await ws.recv() == b"\x00binary"
        with pytest.raises(websockets.exceptions.InvalidStatusCode):
            await websockets.connect(f"ws://127.0.0.1:{site.port}/api/items")
    asyncio.run(asyncio.wait_for(session(), 30))
