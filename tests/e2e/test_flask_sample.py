"""End-to-end tests of samples/flask under the updraft command: pages, form, JSON API, uploads, streaming, -w 2."""
import hashlib
import os
import threading
import time

import pytest
import requests
from urllib3 import encode_multipart_formdata

from support import FLASK_DIR, SANITIZED, start_updraft

MiB = 1 << 20
GiB = 1 << 30
# Sanitized builds are many times slower: stream less there (the bounded channel is the same).
UPLOAD = 64 * (1 << 20) if SANITIZED else GiB


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def chunks(data, size):
    """A generator over data in pieces: requests sends a generator body with Transfer-Encoding: chunked."""
    for i in range(0, len(data), size):
        yield data[i:i + size]


class SizedBody:
    """An iterable body with a known length: requests sends it with Content-Length instead of chunked."""

    def __init__(self, pieces, length):
        self.pieces, self.length = pieces, length

    def __iter__(self):
        return iter(self.pieces)

    def __len__(self):
        return self.length


@pytest.fixture(scope="module")
def flask_app():
    # A relative --chdir, as in the README's one-liner: the app must still import.
    server = start_updraft("app:app", "--threads", "4", chdir=os.path.relpath(FLASK_DIR), pythonpath=None)
    yield server
    code = server.stop()
    assert code == 0, server.error_log()


# --- pages and the form ---

def test_index_renders_the_layout_and_the_page(flask_app):
    r = requests.get(flask_app.url + "/")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.text.startswith("<!doctype html>\n")
    assert "<title>Flask on updraft</title>" in r.text
    assert "<h1>Flask on updraft</h1>" in r.text
    assert '<a href="/guestbook">Guestbook</a>' in r.text
    assert "<p>A Flask app running on updraft's WSGI gateway.</p>" in r.text
    assert r.text.rstrip().endswith("<footer>Served by updraft</footer>\n</body>\n</html>")
    assert int(r.headers["Content-Length"]) == len(r.content)


def test_head_has_headers_but_no_body(flask_app):
    r = requests.head(flask_app.url + "/")
    assert r.status_code == 200
    assert r.content == b""
    assert int(r.headers["Content-Length"]) == len(requests.get(flask_app.url + "/").content)


def test_head_of_a_streamed_response_claims_no_length(flask_app):
    """Flask answers HEAD with an empty iterable: the GET is chunked, so the HEAD must not say Content-Length: 0."""
    r = requests.head(flask_app.url + "/stream?n=3")
    assert r.status_code == 200
    assert r.content == b""
    assert "Content-Length" not in r.headers
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_unknown_path_is_404(flask_app):
    r = requests.get(flask_app.url + "/no/such/page")
    assert r.status_code == 404
    assert "<title>404 Not Found</title>" in r.text


def test_guestbook_form_posts_then_redirects_to_the_list(flask_app):
    page = requests.get(flask_app.url + "/guestbook")
    assert page.status_code == 200
    assert '<form method="post" action="/guestbook">' in page.text

    with requests.Session() as s:
        r = s.post(flask_app.url + "/guestbook", data={"name": "Ada", "message": "<b>hi</b> & bye"},
                   allow_redirects=False)
        assert r.status_code == 303
        assert r.headers["Location"] == "/guestbook"
        followed = s.post(flask_app.url + "/guestbook", data={"name": "Grace", "message": "ok"})
    assert followed.status_code == 200
    assert [h.status_code for h in followed.history] == [303]
    assert followed.request.method == "GET"
    assert "<li><b>Ada</b>: &lt;b&gt;hi&lt;/b&gt; &amp; bye</li>" in followed.text
    assert "<li><b>Grace</b>: ok</li>" in followed.text


def test_guestbook_rejects_an_empty_message(flask_app):
    r = requests.post(flask_app.url + "/guestbook", data={"name": "Ada", "message": "  "}, allow_redirects=False)
    assert r.status_code == 400
    assert '<p class="error">Name and message are required.</p>' in r.text


# --- the JSON API ---

def test_api_creates_then_lists_and_fetches_an_item(flask_app):
    r = requests.post(flask_app.url + "/api/items", json={"name": " widget ", "qty": 3})
    assert r.status_code == 201
    item = r.json()
    assert item["name"] == "widget" and item["qty"] == 3 and isinstance(item["id"], int)
    assert r.headers["Location"] == f"/api/items/{item['id']}"

    fetched = requests.get(flask_app.url + r.headers["Location"])
    assert fetched.status_code == 200
    assert fetched.json() == item
    listed = requests.get(flask_app.url + "/api/items")
    assert listed.status_code == 200
    assert listed.headers["Content-Type"] == "application/json"
    assert item in listed.json()["items"]


@pytest.mark.parametrize("body, error", [
    (b'{"name": "x"', "invalid JSON"),
    (b"[1, 2]", "expected a JSON object"),
    (b'{"qty": 2}', "name must be a non-empty string"),
    (b'{"name": "x", "qty": -1}', "qty must be a non-negative integer"),
    (b'{"name": "x", "qty": "2"}', "qty must be a non-negative integer"),
])
def test_api_rejects_bad_input_with_400(flask_app, body, error):
    r = requests.post(flask_app.url + "/api/items", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json() == {"error": error}


def test_api_rejects_a_non_json_content_type_with_415(flask_app):
    r = requests.post(flask_app.url + "/api/items", data=b'{"name": "x"}', headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert r.json() == {"error": "expected Content-Type: application/json"}


def test_api_unknown_item_is_404(flask_app):
    r = requests.get(flask_app.url + "/api/items/999999")
    assert r.status_code == 404
    assert r.json() == {"error": "no such item"}


def test_api_reads_a_chunked_json_body(flask_app):
    """request.get_json() -> get_data() on a chunked body: works because wsgi.input_terminated is true."""
    body = b'{"name": "chunked", "qty": 7}'
    r = requests.post(flask_app.url + "/api/items", data=chunks(body, 5), headers={"Content-Type": "application/json"})
    assert r.request.headers["Transfer-Encoding"] == "chunked"
    assert r.status_code == 201
    assert r.json()["name"] == "chunked" and r.json()["qty"] == 7


# --- uploads ---

def test_upload_form_is_multipart(flask_app):
    r = requests.get(flask_app.url + "/upload")
    assert r.status_code == 200
    assert 'enctype="multipart/form-data"' in r.text
    assert '<input type="file" name="file" required>' in r.text


def test_multipart_upload_returns_size_and_sha256(flask_app):
    data = os.urandom(3 * MiB + 17)
    r = requests.post(flask_app.url + "/upload", files={"file": ("blob.bin", data, "application/octet-stream")})
    assert r.status_code == 200
    assert r.json() == {"filename": "blob.bin", "size": len(data), "sha256": sha256(data)}


def test_chunked_multipart_upload(flask_app):
    data = os.urandom(MiB + 3)
    body, content_type = encode_multipart_formdata({"file": ("c.bin", data)})
    r = requests.post(flask_app.url + "/upload", data=chunks(body, 10_000), headers={"Content-Type": content_type})
    assert r.request.headers["Transfer-Encoding"] == "chunked"
    assert r.status_code == 200
    assert r.json() == {"filename": "c.bin", "size": len(data), "sha256": sha256(data)}


def test_upload_without_a_file_is_400(flask_app):
    r = requests.post(flask_app.url + "/upload", data={"other": "x"})
    assert r.status_code == 400
    assert r.json() == {"error": "no file in the 'file' field"}


@pytest.mark.parametrize("size", [0, 1, 64 * 1024, 5 * MiB + 1])
def test_raw_upload_with_content_length(flask_app, size):
    data = os.urandom(size)
    r = requests.post(flask_app.url + "/upload-raw", data=data)
    assert r.status_code == 200
    assert r.json() == {"bytes": size, "sha256": sha256(data)}


@pytest.mark.parametrize("piece", [1, 1000, 256 * 1024])
def test_raw_upload_chunked(flask_app, piece):
    data = os.urandom(2 * MiB + 5 if piece > 1 else 3000)
    r = requests.post(flask_app.url + "/upload-raw", data=chunks(data, piece))
    assert r.request.headers["Transfer-Encoding"] == "chunked"
    assert r.status_code == 200
    assert r.json() == {"bytes": len(data), "sha256": sha256(data)}


# --- the streamed response ---

def test_stream_is_chunked_and_complete(flask_app):
    with requests.get(flask_app.url + "/stream?n=2000", stream=True) as r:
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert r.headers["Transfer-Encoding"] == "chunked"
        assert "Content-Length" not in r.headers
        lines = list(r.iter_lines())
    assert lines == [f"line {i} of 2000 from /stream".encode() for i in range(1, 2001)]


def test_stream_rejects_a_bad_count(flask_app):
    r = requests.get(flask_app.url + "/stream?n=-1")
    assert r.status_code == 400


# --- a 1 GiB upload through a bounded channel ---

@pytest.mark.parametrize("framing", ["chunked", "content-length"])
def test_one_gib_streamed_upload_keeps_memory_flat(framing):
    # --timeout 0: a long upload is not a stuck request.
    server = start_updraft("app:app", "--max-body-size", str(2 * GiB), "--timeout", "0", chdir=FLASK_DIR,
                           pythonpath=None)
    try:
        warm = requests.post(server.url + "/upload-raw", data=chunks(os.urandom(4 * MiB), 256 * 1024))
        assert warm.status_code == 200
        start_rss = server.rss_kib() * 1024
        samples = [start_rss]
        done = threading.Event()

        def sample():
            while not done.is_set():
                samples.append(server.rss_kib() * 1024)
                time.sleep(0.005)

        block = os.urandom(MiB)
        expected = hashlib.sha256()

        def body():
            for i in range(UPLOAD // MiB):
                piece = block[i % 997:] + block[:i % 997]  # every MiB differs, so a reordering would show
                expected.update(piece)
                yield piece

        sampler = threading.Thread(target=sample)
        sampler.start()
        began = time.monotonic()
        try:
            data = body() if framing == "chunked" else SizedBody(body(), UPLOAD)
            r = requests.post(server.url + "/upload-raw", data=data, timeout=300)
        finally:
            done.set()
            sampler.join()
        elapsed = time.monotonic() - began
        growth = max(samples) - start_rss
        assert ("Content-Length" in r.request.headers) == (framing == "content-length")
        print(f"\n{UPLOAD // MiB} MiB {framing} upload: {elapsed:.1f} s, server RSS {start_rss / MiB:.1f} MiB at start, "
              f"peak growth {growth / MiB:.1f} MiB")
        assert r.status_code == 200
        assert r.json() == {"bytes": UPLOAD, "sha256": expected.hexdigest()}
        assert len(samples) > 10  # the memory was watched while the body went through
        if not SANITIZED:  # ASan's quarantine keeps freed blocks resident on purpose
            assert growth < 150 * MiB
        assert elapsed < 120
    finally:
        server.stop()


# --- prefork ---

def test_two_workers_serve_the_sample():
    server = start_updraft("app:app", "-w", "2", "--threads", "2", chdir=FLASK_DIR, pythonpath=None)
    try:
        deadline = time.monotonic() + 10
        children = []
        while time.monotonic() < deadline and len(children) < 2:
            with open(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children") as f:
                children = f.read().split()
            time.sleep(0.05)
        assert len(children) == 2

        def fetch(results, i):
            data = os.urandom(100_000 + i)
            with requests.Session() as s:
                page = s.get(server.url + "/")
                up = s.post(server.url + "/upload-raw", data=data)
            results.append((page.status_code, "<h1>Flask on updraft</h1>" in page.text,
                             up.status_code, up.json() == {"bytes": len(data), "sha256": sha256(data)}))

        results = []
        threads = [threading.Thread(target=fetch, args=(results, i)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [(200, True, 200, True)] * 40
    finally:
        code = server.stop()
    assert code == 0, server.error_log()
