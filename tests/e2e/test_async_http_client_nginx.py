"""AsyncHTTPClient against Debian's nginx (asio_test_app's /fetch): a static file with its Content-Length, a gzip-on
text file (chunked, decoded), a large binary file streamed, `return 301` redirects followed, HEAD, a 404, and the
requests of one client kept alive on one nginx connection (its access log's $connection)."""
import os
import random
import socket
import subprocess
import time
import zlib

import pytest

from support import SLACK, free_port
from test_async_http_client import app, fetch  # noqa: F401 (app: asio_test_app, a fixture)

NGINX = "/usr/sbin/nginx"
TEXT = b"".join(b"nginx serves line %d of a text file\n" % i for i in range(6000))  # about 200 KiB
BINARY = random.Random(7).randbytes(3 * (1 << 20) + 17)

CONFIG = """
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
  log_format connections '$connection $connection_requests "$request" $status';
  access_log {prefix}/access.log connections;
  keepalive_timeout 60s;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  types {{ text/plain txt; application/octet-stream bin; }}
  server {{
    listen 127.0.0.1:{port};
    root {prefix}/www;
    gzip on;  # the filter drops Content-Length: gzip responses are chunked
    gzip_types text/plain;
    gzip_min_length 0;
    location = /moved {{ return 301 /page.txt; }}
    location = /moved-twice {{ return 302 /moved; }}
  }}
}}
"""


class Nginx:
    """nginx in the foreground, one process, everything (config, pid, logs, temp dirs, files) under prefix."""

    def __init__(self, prefix):
        assert os.access(NGINX, os.X_OK), f"{NGINX} is missing: scripts/install-deps.sh installs nginx-light"
        self.prefix = str(prefix)
        os.makedirs(os.path.join(self.prefix, "www"))
        for name, data in (("page.txt", TEXT), ("static.bin", BINARY)):
            with open(os.path.join(self.prefix, "www", name), "wb") as f:
                f.write(data)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = os.path.join(self.prefix, "nginx.conf")
        with open(config, "w") as f:
            f.write(CONFIG.format(prefix=self.prefix, port=self.port))
        self.proc = subprocess.Popen([NGINX, "-p", self.prefix, "-c", config, "-e", self.log("error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10 * SLACK
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert self.proc.poll() is None, "nginx exited: " + self.read("error.log")
                assert time.monotonic() < deadline, "nginx did not listen: " + self.read("error.log")
                time.sleep(0.05)

    def log(self, name):
        return os.path.join(self.prefix, name)

    def read(self, name):
        try:
            with open(self.log(name)) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def access_log(self):
        """(connection, its request number, request line, status) for each request nginx logged."""
        entries = []
        for line in self.read("access.log").splitlines():
            connection, number, rest = line.split(" ", 2)
            request, status = rest.rsplit(" ", 1)
            entries.append((int(connection), int(number), request.strip('"'), int(status)))
        return entries

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10 * SLACK)


@pytest.fixture
def nginx(tmp_path):
    server = Nginx(tmp_path / "nginx")
    yield server
    server.stop()


def test_a_static_file_with_its_content_length(app, nginx):
    r = fetch(app, nginx.url + "/page.txt", decompress_response=0)  # no Accept-Encoding: nginx does not gzip
    assert (r["code"], r["reason"]) == (200, "OK")
    assert r["body"].encode() == TEXT
    headers = r["headers"]
    assert headers["Content-Length"] == str(len(TEXT))
    assert headers["Content-Type"] == "text/plain"
    assert headers["Server"].startswith("nginx")
    assert headers["ETag"] and headers["Last-Modified"]
    assert "Content-Encoding" not in headers and "Transfer-Encoding" not in headers


def test_gzip_on_is_chunked_and_decoded(app, nginx):
    r = fetch(app, nginx.url + "/page.txt")
    assert r["code"] == 200
    assert r["body"].encode() == TEXT
    headers = r["headers"]
    assert headers["X-Consumed-Content-Encoding"] == "gzip"
    assert headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in headers and "Content-Encoding" not in headers


def test_files_stream_piece_by_piece(app, nginx):
    r = fetch(app, nginx.url + "/static.bin", stream="plain")
    assert (r["code"], r["body"], r["headers"]["Content-Length"]) == (200, "", str(len(BINARY)))
    assert (r["streamed"]["bytes"], r["streamed"]["crc32"]) == (len(BINARY), zlib.crc32(BINARY))
    assert r["streamed"]["chunks"] > 1
    r = fetch(app, nginx.url + "/page.txt", stream="coroutine")  # gzip, chunked: decoded as it arrives
    assert (r["code"], r["body"], r["headers"]["X-Consumed-Content-Encoding"]) == (200, "", "gzip")
    assert (r["streamed"]["bytes"], r["streamed"]["crc32"]) == (len(TEXT), zlib.crc32(TEXT))


def test_redirects_are_followed(app, nginx):
    r = fetch(app, nginx.url + "/moved-twice")
    assert (r["code"], r["effective_url"]) == (200, nginx.url + "/page.txt")
    assert r["body"].encode() == TEXT
    r = fetch(app, nginx.url + "/moved", follow_redirects=0, raise_error=0)
    assert (r["code"], r["headers"]["Location"]) == (301, nginx.url + "/page.txt")
    assert "301 Moved Permanently" in r["body"]
    r = fetch(app, nginx.url + "/moved-twice", stream="plain")  # the redirects' HTML bodies do not stream
    assert (r["streamed"]["bytes"], r["streamed"]["crc32"]) == (len(TEXT), zlib.crc32(TEXT))
    r = fetch(app, nginx.url + "/moved-twice", max_redirects=1)
    assert (r["error_code"], r["response"]["headers"]["Location"]) == (301, nginx.url + "/page.txt")


@pytest.mark.parametrize("stream", [None, "plain"])
def test_header_callback_gets_every_responses_head_line_by_line(app, nginx, stream):
    settings = {"stream": stream} if stream else {}
    r = fetch(app, nginx.url + "/moved", header_lines=1, **settings)
    lines = r["header_lines"]
    assert all(line.endswith("\r\n") for line in lines)
    second = lines.index("\r\n") + 1
    moved, page = lines[:second], lines[second:]
    assert moved[0] == "HTTP/1.1 301 Moved Permanently\r\n"
    assert f"Location: {nginx.url}/page.txt\r\n" in moved
    assert page[0] == "HTTP/1.1 200 OK\r\n" and page[-1] == "\r\n" and page.count("\r\n") == 1
    assert "Content-Encoding: gzip\r\n" in page and "Transfer-Encoding: chunked\r\n" in page  # as received
    assert r["headers"]["X-Consumed-Content-Encoding"] == "gzip"


def test_head_of_a_gzip_file_and_a_404(app, nginx):
    r = fetch(app, nginx.url + "/page.txt", method="HEAD")
    assert (r["code"], r["body"], r["headers"]["X-Consumed-Content-Encoding"]) == (200, "", "gzip")
    r = fetch(app, nginx.url + "/no-such-file.txt")
    assert r["error_code"] == 404 and "404 Not Found" in r["response"]["body"]


def test_fetches_reuse_one_kept_alive_connection(app, nginx):
    for path in ("/page.txt", "/static.bin", "/moved", "/no-such-file.txt", "/page.txt"):
        fetch(app, nginx.url + path, stream="plain", raise_error=0)
    log = nginx.access_log()
    assert [entry[2:] for entry in log] == [
        ("GET /page.txt HTTP/1.1", 200), ("GET /static.bin HTTP/1.1", 200), ("GET /moved HTTP/1.1", 301),
        ("GET /page.txt HTTP/1.1", 200), ("GET /no-such-file.txt HTTP/1.1", 404), ("GET /page.txt HTTP/1.1", 200)]
    assert {entry[0] for entry in log} == {log[0][0]}, f"more than one connection: {log}"
    assert [entry[1] for entry in log] == [1, 2, 3, 4, 5, 6]
