"""AsyncHTTPClient from a native handler (asio_test_app's /fetch): against updraft's hello and the app's own routes,
a Python HTTP/1.1 server (gzip, kept-alive connections, large chunked and Content-Length bodies), a TLS server with a
self-signed CA, redirects, timeouts, oversize responses, raise_error, streaming_callback, and a fetch cancelled when
the handler's client hangs up."""
import gzip
import http.server
import json
import os
import random
import socket
import threading
import time
import urllib.parse
import zlib

import pytest
import requests

from support import BIN_DIR, SANITIZED, SLACK, ServerProcess
from test_native_asio import Upstream, hangs_up_on_its_upstream
from test_tls import certs, tls_flags  # noqa: F401 (certs: the test CA and a server certificate, a fixture)


@pytest.fixture
def app(server_factory):
    return server_factory("asio_test_app", "--threads", "1")


def fetch(app, url, **settings):
    query = urllib.parse.urlencode({"url": url, **{k: str(v) for k, v in settings.items()}})
    r = requests.get(f"{app.url}/fetch?{query}", timeout=60 * SLACK)
    assert r.status_code == 200, r.text
    return r.json()


MiB = 1 << 20


def payload(size, kind="random"):
    """The upstream's /stream body: size bytes, random (incompressible) or text lines (compressible)."""
    if kind == "text":
        text = b"".join(b"line %d of the streamed text\n" % i for i in range(size // 20 + 1))
        return text[:size]
    return random.Random(size).randbytes(size)


class PythonServer:
    """An HTTP/1.1 server with keep-alive (http.server): /gzip answers a gzip body; /stream?size=&kind=&framing=
    (chunked or length)&gzip= answers payload(size, kind) in 100 KiB writes; /moved redirects to /stream with a body
    of its own; every path counts the connections it was asked on, /stream the bytes it has sent (sent)."""

    def __init__(self):
        connections = self.connections = set()
        server = self
        self.sent = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                connections.add(self.client_address)
                path, _, query = self.path.partition("?")
                if path == "/stream":
                    return self.stream(dict(urllib.parse.parse_qsl(query)))
                body = b"hello from python " * 100
                if path == "/moved":
                    self.send_response(302)
                    self.send_header("Location", "/stream?" + query)
                    body = b"this redirect's own body"
                else:
                    self.send_response(200)
                if path == "/gzip":
                    body = gzip.compress(body)
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def stream(self, args):
                body = payload(int(args["size"]), args.get("kind", "random"))
                if args.get("gzip") == "1":
                    body = gzip.compress(body, mtime=0)
                self.send_response(200)
                if args.get("gzip") == "1":
                    self.send_header("Content-Encoding", "gzip")
                chunked = args.get("framing", "chunked") == "chunked"
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    for i in range(0, len(body), 100 * 1024):
                        piece = body[i:i + 100 * 1024]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                        server.sent += len(piece)
                    if chunked:
                        self.wfile.write(b"0\r\n\r\n")
                except OSError:  # the client gave up (max_body_size)
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def python_server():
    s = PythonServer()
    yield s
    s.close()


def test_fetch_hello_served_by_updraft(app, hello):
    r = fetch(app, hello.url + "/")
    assert (r["code"], r["body"], r["effective_url"]) == (200, "Hello, World!", hello.url + "/")


def test_the_proxy_route_passes_the_body_and_content_type_through(app, hello):
    # bench/proxy_hop.sh measures this route.
    r = requests.get(f"{app.url}/proxy", params={"url": hello.url + "/"}, timeout=60 * SLACK)
    assert (r.status_code, r.text, r.headers["Content-Type"]) == (200, "Hello, World!", "text/plain")


def test_a_bad_url_is_refused_also_right_after_a_good_one(app, hello):
    # The client remembers its last URL's parse: each different URL must be parsed (and refused) anew. A refused URL
    # is std::invalid_argument, which /fetch does not catch (500); a failed fetch would answer 200 with code 599.
    good = hello.url + "/"
    for url in (good, "ftp://127.0.0.1/", good, "http://", good, "http://127.0.0.1:1/a b", good):
        r = requests.get(f"{app.url}/fetch", params={"url": url}, timeout=60 * SLACK)
        if url == good:
            assert (r.status_code, r.json()["body"]) == (200, "Hello, World!")
        else:
            assert r.status_code == 500, (url, r.text)


def test_a_header_that_would_start_another_is_refused(app):
    # std::invalid_argument before anything is sent, which /fetch does not catch (500), as a bad URL.
    for value in ("yes\r\nX-Injected: 1", "yes\nGET / HTTP/1.1", "a\x00b"):
        r = requests.get(f"{app.url}/fetch", params={"url": app.url + "/echo", "x_test": value}, timeout=60 * SLACK)
        assert r.status_code == 500, (value, r.text)
    assert fetch(app, app.url + "/echo", x_test="yes")["code"] == 200


def test_an_ipv6_host_is_named_in_brackets(app):
    v6 = ServerProcess([os.path.join(BIN_DIR, "asio_test_app"), "--port", "0", "--address", "::1", "--threads", "1"])
    try:
        r = fetch(app, f"http://[::1]:{v6.port}/echo")
        assert r["code"] == 200, r
        assert json.loads(r["body"])["host"] == f"[::1]:{v6.port}"
    finally:
        assert v6.stop() == 0, v6.error_log()


def test_method_headers_and_body_reach_the_server(app):
    r = fetch(app, app.url + "/echo", method="POST", body="a body", x_test="yes")
    assert r["code"] == 200
    seen = json.loads(r["body"])
    host = app.url.removeprefix("http://")
    assert seen == {"method": "POST", "body": "a body", "host": host, "x_test": "yes", "accept_encoding": "gzip"}


def test_the_request_on_the_wire_and_a_head_answer_without_its_body(app):
    upstream = Upstream(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n")
    try:
        r = fetch(app, f"http://127.0.0.1:{upstream.port}/a/b?c=d&e", method="HEAD", x_test="yes")
        assert (r["code"], r["body"]) == (200, "")
        assert upstream.received == (
            f"HEAD /a/b?c=d&e HTTP/1.1\r\nHost: 127.0.0.1:{upstream.port}\r\nUser-Agent: updraft AsyncHTTPClient\r\n"
            "Accept-Encoding: gzip\r\nX-Test: yes\r\n\r\n"
        ).encode()
    finally:
        upstream.close()


def test_redirects_are_followed_up_to_the_limit(app):
    r = fetch(app, app.url + "/redirect?n=3")
    assert (r["code"], r["body"]) == (200, "arrived by GET with body ''")
    assert r["effective_url"].endswith("/redirect?n=0&status=302")
    r = fetch(app, app.url + "/redirect?n=9", max_redirects=2)
    assert r["error_code"] == 302
    assert r["response"]["headers"]["Location"] == "/redirect?n=6&status=302"
    r = fetch(app, app.url + "/redirect?n=1", follow_redirects=0, raise_error=0)
    assert (r["code"], r["headers"]["Location"]) == (302, "/redirect?n=0&status=302")


def test_a_303_continues_with_get_and_a_307_keeps_the_method_and_body(app):
    r = fetch(app, app.url + "/redirect?n=1&status=303", method="POST", body="payload")
    assert r["body"] == "arrived by GET with body ''"
    r = fetch(app, app.url + "/redirect?n=1&status=307", method="POST", body="payload")
    assert r["body"] == "arrived by POST with body 'payload'"


def test_raise_error_false_returns_error_responses_but_failures_still_raise(app):
    r = fetch(app, app.url + "/no-such-page", raise_error=0)
    assert r["code"] == 404
    r = fetch(app, app.url + "/no-such-page")
    assert (r["error_code"], r["response"]["code"]) == (404, 404)
    unused = socket.create_server(("127.0.0.1", 0))
    port = unused.getsockname()[1]
    unused.close()
    r = fetch(app, f"http://127.0.0.1:{port}/", raise_error=0)
    assert r["error_code"] == 599 and "refused" in r["error"].lower()


def test_request_timeout(app):
    start = time.monotonic()
    r = fetch(app, app.url + "/timer?ms=5000", request_timeout_ms=300)
    assert (r["error_code"], r["timeout"]) == (599, True)
    assert "timeout during request" in r["error"]
    assert time.monotonic() - start < 4


def test_connect_timeout_on_a_listener_that_never_accepts(app):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    for _ in range(3):  # fill the accept queue: further SYNs are dropped, so connect() hangs
        f = socket.socket()
        f.setblocking(False)
        f.connect_ex(listener.getsockname())
        fillers.append(f)
    time.sleep(0.2)
    try:
        start = time.monotonic()
        r = fetch(app, "http://127.0.0.1:%d/" % listener.getsockname()[1], connect_timeout_ms=300)
        assert (r["error_code"], r["timeout"]) == (599, True), r
        assert "timeout while connecting" in r["error"]
        assert time.monotonic() - start < 4
    finally:
        for f in fillers:
            f.close()
        listener.close()


def test_an_oversize_response_is_an_error(app):
    r = fetch(app, app.url + "/big?size=5000", max_body_size=4999)
    assert r["error_code"] == 599 and "larger than max_body_size" in r["error"]
    r = fetch(app, app.url + "/big?size=5000", max_body_size=5000)
    assert (r["code"], len(r["body"])) == (200, 5000)


def test_gzip_bodies_are_decoded_within_the_size_limit(app, python_server):
    r = fetch(app, python_server.url + "/gzip")
    assert r["body"] == "hello from python " * 100
    assert r["headers"]["X-Consumed-Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in r["headers"]
    r = fetch(app, python_server.url + "/gzip", max_body_size=1000)  # 1800 bytes once decoded
    assert r["error_code"] == 599 and "decoded response body larger" in r["error"]


def test_connections_are_kept_alive_and_reused_by_the_loop(app, python_server):
    for _ in range(4):
        assert fetch(app, python_server.url + "/plain")["code"] == 200
    assert len(python_server.connections) == 1


def test_a_fetch_is_cancelled_when_the_handlers_client_hangs_up(app):
    def target(port):
        return "/fetch?" + urllib.parse.urlencode({"url": f"http://127.0.0.1:{port}/"})
    assert hangs_up_on_its_upstream(app, target), "the upstream connection stayed open after the client hung up"
    assert fetch(app, app.url + "/echo")["code"] == 200


def test_tls_verification_fails_without_the_ca_and_passes_with_it(app, server_factory, certs):
    tls = server_factory("asio_test_app", "--threads", "1", *tls_flags(certs))
    url = f"https://127.0.0.1:{tls.port}/echo"
    r = fetch(app, url)
    assert r["error_code"] == 599 and "certificate verify failed" in r["error"], r
    r = fetch(app, url, ca_certs=os.path.join(certs, "ca.pem"))
    assert r["code"] == 200 and '"method":"GET"' in r["body"]
    r = fetch(app, f"https://localhost:{tls.port}/echo", ca_certs=os.path.join(certs, "ca.pem"))
    assert r["code"] == 200
    r = fetch(app, url, validate_cert=0)
    assert r["code"] == 200


def test_a_pooled_connection_the_server_closed_is_replaced(app, server_factory):
    short = server_factory("hello", "--idle-timeout", "0.3")
    assert fetch(app, short.url + "/")["body"] == "Hello, World!"
    time.sleep(1)  # the server closes the idle connection the pool keeps
    assert fetch(app, short.url + "/")["body"] == "Hello, World!"
    assert fetch(app, short.url + "/")["body"] == "Hello, World!"


# --- streaming_callback ---


def assert_streamed(r, body):
    """The fetch answered 200 with an empty body and streamed exactly `body`, in more than one bounded piece."""
    assert r["code"] == 200, r
    assert r["body"] == ""
    streamed = r["streamed"]
    assert (streamed["bytes"], streamed["crc32"]) == (len(body), zlib.crc32(body))
    assert streamed["chunks"] > 1
    assert streamed["largest"] <= 64 * 1024


@pytest.mark.parametrize("framing", ["chunked", "length"])
@pytest.mark.parametrize("stream", ["plain", "coroutine"])
def test_a_large_body_streams_in_pieces_and_is_not_kept(app, python_server, framing, stream):
    size = 6 * MiB + 123
    r = fetch(app, f"{python_server.url}/stream?size={size}&framing={framing}", stream=stream)
    assert_streamed(r, payload(size))
    if framing == "length":
        assert r["headers"]["Content-Length"] == str(size)
    else:
        assert r["headers"]["Transfer-Encoding"] == "chunked"


def test_a_gzip_body_streams_decoded(app, python_server):
    size = 3 * MiB
    url = f"{python_server.url}/stream?size={size}&kind=text&gzip=1"
    r = fetch(app, url, stream="plain")
    assert_streamed(r, payload(size, "text"))
    assert r["headers"]["X-Consumed-Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in r["headers"]
    r = fetch(app, url, stream="plain", decompress_response=0)  # the bytes as sent
    assert r["streamed"]["crc32"] == zlib.crc32(gzip.compress(payload(size, "text"), mtime=0))
    assert r["headers"]["Content-Encoding"] == "gzip"


def test_max_body_size_bounds_a_streamed_body(app, python_server):
    for framing in ("chunked", "length"):
        r = fetch(app, f"{python_server.url}/stream?size={4 * MiB}&framing={framing}", stream="plain",
                  max_body_size=MiB)
        assert r["error_code"] == 599 and "larger than max_body_size" in r["error"], r
        assert r["streamed"]["bytes"] <= MiB
        if framing == "length":  # known from the head: nothing streams
            assert r["streamed"]["bytes"] == 0
    r = fetch(app, f"{python_server.url}/stream?size={4 * MiB}&kind=text&gzip=1", stream="plain", max_body_size=MiB)
    assert r["error_code"] == 599 and "decoded response body larger" in r["error"], r
    assert 0 < r["streamed"]["bytes"] <= MiB


def test_only_the_final_response_of_redirects_streams(app, python_server):
    size = 200 * 1024
    r = fetch(app, f"{python_server.url}/moved?size={size}", stream="plain")
    assert_streamed(r, payload(size))
    assert r["effective_url"] == f"{python_server.url}/stream?size={size}"
    r = fetch(app, f"{python_server.url}/moved?size={size}", stream="plain", follow_redirects=0, raise_error=0)
    assert (r["code"], r["body"]) == (302, "")
    assert r["streamed"]["crc32"] == zlib.crc32(b"this redirect's own body")
    r = fetch(app, app.url + "/redirect?n=2", stream="coroutine")
    assert r["streamed"]["bytes"] == len("arrived by GET with body ''")
    r = fetch(app, app.url + "/redirect?n=3", stream="plain", max_redirects=1)
    assert (r["error_code"], r["streamed"]["bytes"]) == (302, 0)  # a 302 without a body: nothing to stream


def peak_kib(server):
    with open(f"/proc/{server.proc.pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


def test_streaming_keeps_memory_bounded(app, python_server):
    if SANITIZED:
        pytest.skip("sanitizers keep freed memory resident")
    size = 64 * MiB
    fetch(app, f"{python_server.url}/stream?size={MiB}", stream="plain")  # the pool, buffers and threads in place
    before = peak_kib(app)
    r = fetch(app, f"{python_server.url}/stream?size={size}", stream="plain")
    assert r["streamed"]["bytes"] == size
    grown = peak_kib(app) - before
    assert grown < 8 * 1024, f"the peak RSS grew {grown} KiB while streaming a {size >> 20} MiB body"


def test_a_streaming_fetch_is_cancelled_when_the_handlers_client_hangs_up(app):
    """The upstream answers a chunked head and its first chunk, then nothing more: the client hangs up while the
    fetch waits for the rest."""
    upstream = Upstream(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n", keep_open=True)
    try:
        before = requests.get(app.url + "/counters").json()["chunks_streamed"]
        client = app.connect()
        query = urllib.parse.urlencode({"url": f"http://127.0.0.1:{upstream.port}/", "stream": "plain"})
        client.sendall(f"GET /fetch?{query} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        deadline = time.monotonic() + 10 * SLACK
        while requests.get(app.url + "/counters").json()["chunks_streamed"] == before:
            assert time.monotonic() < deadline, "the first chunk never reached the streaming_callback"
            time.sleep(0.02)
        client.close()
        assert upstream.eof.wait(10 * SLACK), "the upstream connection stayed open after the client hung up"
    finally:
        upstream.close()
    assert requests.get(app.url + "/counters").json()["chunks_streamed"] == before + 1
    assert fetch(app, app.url + "/echo")["code"] == 200


def test_a_coroutine_callback_relays_with_backpressure(app, python_server):
    """/relay writes each piece to its own client and awaits flush(): while that client reads nothing, the upstream
    is not read either (it stops sending once the sockets' buffers are full) and the app holds no more than a piece;
    then every byte arrives."""
    size = 64 * MiB
    with requests.get(f"{app.url}/relay", params={"url": f"{python_server.url}/stream?size={size}"}, stream=True,
                      timeout=60 * SLACK) as r:
        assert r.status_code == 200
        before = peak_kib(app)
        last, deadline = -1, time.monotonic() + 20 * SLACK
        while python_server.sent != last:  # until the upstream is held back
            last = python_server.sent
            time.sleep(0.5)
            assert time.monotonic() < deadline
        assert python_server.sent < size / 2, f"the upstream sent {python_server.sent} bytes to a stalled relay"
        if not SANITIZED:
            assert peak_kib(app) - before < 8 * 1024
        body = b"".join(r.iter_content(256 * 1024))
    assert (len(body), zlib.crc32(body)) == (size, zlib.crc32(payload(size)))


def test_a_close_delimited_body_streams(app):
    body = payload(300 * 1024)
    upstream = Upstream(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body)
    try:
        r = fetch(app, f"http://127.0.0.1:{upstream.port}/", stream="plain")
    finally:
        upstream.close()
    assert_streamed(r, body)


def test_a_streaming_fetch_that_times_out_stops_streaming(app):
    upstream = Upstream(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n", keep_open=True)
    try:
        r = fetch(app, f"http://127.0.0.1:{upstream.port}/", stream="coroutine", request_timeout_ms=500)
        assert (r["error_code"], r["timeout"]) == (599, True), r
        assert "timeout during request" in r["error"]
        assert (r["streamed"]["chunks"], r["streamed"]["bytes"]) == (1, 5)
        assert upstream.eof.wait(10 * SLACK), "the timed out connection stayed open"
    finally:
        upstream.close()
