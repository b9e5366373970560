"""compress_response end to end (native_test_app --compress-response): gzip and br bodies decoded by real clients
(curl --compressed, requests, zlib, python3-brotli), q-values, what goes out as it is (HEAD, 204, 304, small bodies,
types that do not compress, a body the handler encoded itself), a flushed stream that arrives in pieces, and
StaticFileHandler's compressed copies."""
import gzip
import hashlib
import http.client
import subprocess
import uuid
import zlib

import brotli
import pytest
import requests

from support import SLACK, get, start_server

PAGE = 100 * 1024


def page(size):
    """What /compress/page?size= writes."""
    out, i = "", 0
    while len(out) < size:
        out += f"<tr><td>{i}</td><td>row</td></tr>\n"
        i += 1
    return out[:size].encode()


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("compressed-static")
    (root / "page.html").write_bytes(page(PAGE))
    (root / "small.css").write_bytes(b"body { color: red; }\n")
    (root / "site.css").write_bytes(b".c { margin: 0; }\n" * 300)  # 5 KiB: a file read whole when sent as it is
    (root / "app.js").write_bytes(b"console.log('x');\n" * 3000)  # 54 KiB, past the read-whole limit
    (root / "photo.png").write_bytes(hashlib.sha256(b"png").digest() * 200)
    return root


@pytest.fixture(scope="module")
def app(tree):
    server = start_server("native_test_app", "--threads", "2", "--compress-response", "--static-path", str(tree))
    yield server
    assert server.stop() == 0, server.error_log()


@pytest.fixture(scope="module")
def plain_app():
    server = start_server("native_test_app", "--threads", "1")
    yield server
    assert server.stop() == 0, server.error_log()


def fetch(app, path, accept="gzip", method="GET", **extra):
    headers = {"Accept-Encoding": accept, **extra} if accept is not None else extra
    return get(app, path, method=method, headers=headers)


# --- handlers' responses ---

def test_gzip_body_with_its_encoded_length(app):
    r = fetch(app, f"/compress/page?size={PAGE}")
    assert r.status == 200
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["vary"] == "Accept-Encoding"
    assert int(r.headers["content-length"]) == len(r.body) < PAGE / 5
    assert "transfer-encoding" not in r.headers
    assert gzip.decompress(r.body) == page(PAGE)


def test_curl_compressed(app):
    out = subprocess.run(["curl", "-fsS", "--compressed", "-D", "-", f"{app.url}/compress/page?size=5000"],
                         capture_output=True, check=True, timeout=30 * SLACK).stdout
    head, body = out.split(b"\r\n\r\n", 1)
    assert b"content-encoding: " in head.lower()
    assert body == page(5000)


def test_requests_decodes_gzip(app):
    r = requests.get(f"{app.url}/compress/page?size=20000", headers={"Accept-Encoding": "gzip, deflate"})
    assert r.headers["Content-Encoding"] == "gzip"
    assert r.content == page(20000)


def test_brotli_when_the_client_takes_it(app):
    for accept in ("br", "gzip, deflate, br", "gzip;q=0.5, br;q=0.9"):
        r = fetch(app, "/compress/page?size=30000", accept=accept)
        assert r.headers["content-encoding"] == "br", accept
        assert int(r.headers["content-length"]) == len(r.body)
        assert brotli.decompress(r.body) == page(30000)


@pytest.mark.parametrize("accept,coding", [
    ("gzip;q=1.0, br;q=0.5", "gzip"),
    ("br;q=0, gzip", "gzip"),
    ("gzip;q=0", None),
    ("gzip;q=0, br;q=0", None),
    ("identity", None),
    ("deflate", None),
    ("*;q=0", None),
    ("gzip;q=2, br;q=nope", None),
])
def test_q_values(app, accept, coding):
    r = fetch(app, "/compress/page?size=5000", accept=accept)
    assert r.headers.get("content-encoding") == coding
    decoded = {"gzip": gzip.decompress, "br": brotli.decompress, None: bytes}[coding](r.body)
    assert decoded == page(5000)
    assert r.headers["vary"] == "Accept-Encoding"


def test_small_bodies_go_as_they_are(app):
    r = fetch(app, "/compress/page?size=1023")
    assert "content-encoding" not in r.headers
    assert r.body == page(1023)
    assert r.headers["vary"] == "Accept-Encoding"
    assert fetch(app, "/compress/page?size=1024").headers["content-encoding"] == "gzip"  # MIN_LENGTH itself


def test_types_that_do_not_compress(app):
    r = fetch(app, "/compress/page?size=5000&type=image/png")
    assert "content-encoding" not in r.headers and "vary" not in r.headers
    assert r.body == page(5000)
    r = fetch(app, "/compress/page?size=5000&type=application/json")
    assert r.headers["content-encoding"] == "gzip"


def test_head_204_304_untouched(app):
    r = fetch(app, "/compress/page?size=5000", method="HEAD")
    assert r.status == 200 and r.body == b""
    assert "content-encoding" not in r.headers
    assert r.headers["content-length"] == "5000"
    for code in (204, 304):
        r = fetch(app, f"/compress/page?size=5000&code={code}")
        assert r.status == code and r.body == b""
        assert "content-encoding" not in r.headers
        assert "content-length" not in r.headers


def test_an_existing_content_encoding_untouched(app):
    r = fetch(app, "/compress/pre-encoded")
    assert r.headers["content-encoding"] == "gzip"
    assert gzip.decompress(r.body) == b"z" * 5000  # encoded once, by the handler
    assert "vary" not in r.headers


def test_off_by_default(plain_app):
    r = fetch(plain_app, "/compress/page?size=5000")
    assert "content-encoding" not in r.headers and "vary" not in r.headers
    assert r.body == page(5000)


def read_stream_until(response, decoder, expected):
    """Reads chunks of a streamed response through decoder until the decoded text is expected."""
    decoded = b""
    while len(decoded) < len(expected):
        data = response.read1(65536)
        assert data, f"the stream ended after {decoded!r}"
        decoded += decoder(data)
    assert decoded == expected
    return decoded


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_a_flushed_stream_arrives_in_pieces(app, coding):
    stream_id = uuid.uuid4().hex
    conn = http.client.HTTPConnection(app.host, app.port, timeout=20 * SLACK)
    conn.request("GET", f"/compress/stream?n=2&id={stream_id}", headers={"Accept-Encoding": coding})
    r = conn.getresponse()
    assert r.getheader("Content-Encoding") == coding
    assert r.getheader("Transfer-Encoding") == "chunked"
    assert r.getheader("Content-Length") is None
    if coding == "gzip":
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress
    else:
        decoder = brotli.Decompressor().process
    # The handler waits for the release before it finishes: these pieces can only come from its flushes.
    read_stream_until(r, decoder, b"piece 0\npiece 1\n")
    assert fetch(app, f"/compress/release?id={stream_id}").body == b"released"
    rest = decoder(r.read())
    assert rest == b"end\n"
    conn.close()


# --- StaticFileHandler ---

def test_static_page_gzip_and_br_from_a_kept_copy(app, tree):
    expected = (tree / "page.html").read_bytes()
    first = fetch(app, "/static/page.html")
    assert first.headers["content-encoding"] == "gzip"
    assert first.headers["vary"] == "Accept-Encoding"
    assert first.headers["etag"].startswith('W/"')
    assert int(first.headers["content-length"]) == len(first.body)
    assert gzip.decompress(first.body) == expected
    again = fetch(app, "/static/page.html")
    assert again.body == first.body and again.headers["etag"] == first.headers["etag"]
    r = fetch(app, "/static/page.html", accept="br")
    assert r.headers["content-encoding"] == "br"
    assert brotli.decompress(r.body) == expected
    for name in ("app.js", "site.css"):
        r = fetch(app, f"/static/{name}", accept="gzip")
        assert r.headers["content-encoding"] == "gzip"
        assert gzip.decompress(r.body) == (tree / name).read_bytes()


def test_static_curl_and_requests(app, tree):
    out = subprocess.run(["curl", "-fsS", "--compressed", f"{app.url}/static/page.html"],
                         capture_output=True, check=True, timeout=30 * SLACK).stdout
    assert out == (tree / "page.html").read_bytes()
    r = requests.get(f"{app.url}/static/app.js")
    assert r.headers["Content-Encoding"] in ("gzip", "br")
    assert r.content == (tree / "app.js").read_bytes()


def test_static_revalidation_with_the_weak_etag(app):
    etag = fetch(app, "/static/page.html").headers["etag"]
    r = fetch(app, "/static/page.html", **{"If-None-Match": etag})
    assert r.status == 304 and r.body == b""
    assert r.headers["vary"] == "Accept-Encoding"
    strong = etag[2:]
    assert fetch(app, "/static/page.html", accept=None, **{"If-None-Match": strong}).status == 304


def test_static_what_goes_as_it_is(app, tree):
    expected = (tree / "page.html").read_bytes()
    r = fetch(app, "/static/page.html", accept=None)  # no Accept-Encoding
    assert "content-encoding" not in r.headers and r.body == expected
    assert r.headers["vary"] == "Accept-Encoding" and not r.headers["etag"].startswith("W/")
    r = fetch(app, "/static/page.html", **{"Range": "bytes=10-19"})  # a range: from the file as it is
    assert r.status == 206 and r.body == expected[10:20] and "content-encoding" not in r.headers
    r = fetch(app, "/static/page.html", method="HEAD")
    assert "content-encoding" not in r.headers and r.headers["content-length"] == str(len(expected))
    r = fetch(app, "/static/small.css")
    assert "content-encoding" not in r.headers and r.body == (tree / "small.css").read_bytes()
    r = fetch(app, "/static/photo.png")
    assert "content-encoding" not in r.headers and "vary" not in r.headers
    assert r.body == (tree / "photo.png").read_bytes()


def test_static_new_version_gets_a_new_copy(app, tree):
    path = tree / "changing.html"
    path.write_bytes(page(3000))
    assert gzip.decompress(fetch(app, "/static/changing.html").body) == page(3000)
    path.write_bytes(page(6000))
    assert gzip.decompress(fetch(app, "/static/changing.html").body) == page(6000)
