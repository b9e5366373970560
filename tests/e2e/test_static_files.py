"""StaticFileHandler end to end (native_test_app --static-path, and `updraft --static-map` in front of Flask): types and
lengths, ETag and Last-Modified with their 304s, byte ranges (206, 416), HEAD, versioned URLs, sendfile bodies, and
every way out of the root refused."""
import email.utils
import hashlib
import os
import re
import subprocess
import time

import pytest
import requests

from support import FLASK_DIR, UPDRAFT, exchange, start_server, start_updraft

HELLO = b"Hello, static world!\n"
CSS = b"body { color: #333; }\n"
BIG = hashlib.sha256(b"seed").digest() * (1024 * 1024 // 32)  # 1 MiB
TEN_YEARS = 86400 * 365 * 10


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """root/ with files, a subdirectory and symlinks in and out of it; secret.txt beside it, outside."""
    base = tmp_path_factory.mktemp("static")
    root = base / "root"
    (root / "sub").mkdir(parents=True)
    (root / "hello.txt").write_bytes(HELLO)
    (root / "style.css").write_bytes(CSS)
    (root / "big.bin").write_bytes(BIG)
    (root / "sub" / "page.html").write_bytes(b"<p>page</p>")
    (root / "with space.txt").write_bytes(b"spaced")
    (base / "secret.txt").write_bytes(b"outside the root")
    os.symlink("sub/page.html", root / "inner-link.html")
    os.symlink("../secret.txt", root / "outer-link.txt")
    os.symlink(base / "secret.txt", root / "absolute-link.txt")
    os.symlink("..", root / "up")
    return root


@pytest.fixture(scope="module")
def app(tree):
    server = start_server("native_test_app", "--threads", "1", "--static-path", str(tree))
    yield server
    assert server.stop() == 0, server.error_log()


def get(app, path, **headers):
    return requests.get(app.url + path, headers=headers)


# --- plain GETs ---

@pytest.mark.parametrize("path,body,mime", [
    ("/static/hello.txt", HELLO, "text/plain"),
    ("/static/style.css", CSS, "text/css"),
    ("/static/sub/page.html", b"<p>page</p>", "text/html"),
    ("/static/inner-link.html", b"<p>page</p>", "text/html"),
    ("/static/with%20space.txt", b"spaced", "text/plain"),
    ("/static/big.bin", BIG, "application/octet-stream"),
])
def test_files_are_served_whole_with_type_length_and_validators(app, path, body, mime):
    r = get(app, path)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == mime
    assert int(r.headers["Content-Length"]) == len(body)
    assert r.content == body
    assert r.headers["Accept-Ranges"] == "bytes"
    assert re.fullmatch(r'"[0-9a-f]{32}"', r.headers["ETag"])
    assert email.utils.parsedate_to_datetime(r.headers["Last-Modified"])
    assert "Cache-Control" not in r.headers  # unversioned: the browser's heuristics decide


def test_curl_gets_the_file_and_its_headers(app, tmp_path):
    out = tmp_path / "big.bin"
    done = subprocess.run(["curl", "-sS", "-D", "-", "-o", str(out), app.url + "/static/big.bin"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("HTTP/1.1 200 OK\n")  # text mode: CRLFs read as newlines
    assert f"Content-Length: {len(BIG)}\n" in done.stdout
    assert out.read_bytes() == BIG


def test_keep_alive_connection_serves_files_one_after_another(app):
    with requests.Session() as s:
        for path, body in [("/static/big.bin", BIG), ("/static/hello.txt", HELLO), ("/plain", b"plain"),
                           ("/static/big.bin", BIG)]:
            r = s.get(app.url + path)
            assert (r.status_code, r.content) == (200, body)


def test_head_has_the_length_and_no_body(app):
    r = exchange(app, "HEAD", "/static/big.bin")
    assert r.status == 200
    assert r.headers["content-length"] == str(len(BIG))
    assert r.headers["content-type"] == "application/octet-stream"
    assert "etag" in r.headers
    assert r.body == b""
    assert requests.get(app.url + "/plain").status_code == 200  # nothing of the body was left on a connection


def test_other_methods_are_405(app):
    r = requests.post(app.url + "/static/hello.txt", data="x")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD"


# --- conditional requests ---

def test_if_none_match_gives_304(app):
    etag = get(app, "/static/hello.txt").headers["ETag"]
    for value in [etag, "W/" + etag, f'"other", {etag}', "*"]:
        r = get(app, "/static/hello.txt", **{"If-None-Match": value})
        assert r.status_code == 304, value
        assert r.content == b""
        assert r.headers["ETag"] == etag
        assert "Content-Type" not in r.headers
    for value in ['"other"', etag[:-2] + '"', "garbage"]:
        assert get(app, "/static/hello.txt", **{"If-None-Match": value}).status_code == 200, value


def test_if_modified_since_gives_304(app):
    last_modified = get(app, "/static/hello.txt").headers["Last-Modified"]
    assert get(app, "/static/hello.txt", **{"If-Modified-Since": last_modified}).status_code == 304
    later = email.utils.formatdate(time.time() + 3600, usegmt=True)
    assert get(app, "/static/hello.txt", **{"If-Modified-Since": later}).status_code == 304
    assert get(app, "/static/hello.txt", **{"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}).status_code == 200
    assert get(app, "/static/hello.txt", **{"If-Modified-Since": "not a date"}).status_code == 200
    # If-None-Match wins over If-Modified-Since
    r = get(app, "/static/hello.txt", **{"If-Modified-Since": later, "If-None-Match": '"other"'})
    assert r.status_code == 200


# --- byte ranges ---

def test_range_gives_206_with_content_range(app):
    r = get(app, "/static/big.bin", Range="bytes=1000-1999")
    assert r.status_code == 206
    assert r.headers["Content-Range"] == f"bytes 1000-1999/{len(BIG)}"
    assert r.content == BIG[1000:2000]
    r = get(app, "/static/big.bin", Range="bytes=100000-299999")  # past the read limit: sendfile from an offset
    assert (r.status_code, r.content) == (206, BIG[100000:300000])
    r = get(app, "/static/hello.txt", Range="bytes=-6")
    assert (r.status_code, r.content) == (206, HELLO[-6:])
    assert r.headers["Content-Range"] == f"bytes {len(HELLO) - 6}-{len(HELLO) - 1}/{len(HELLO)}"
    r = get(app, "/static/hello.txt", Range="bytes=7-")
    assert (r.status_code, r.content) == (206, HELLO[7:])


def test_curl_range(app):
    done = subprocess.run(["curl", "-sS", "-r", "524288-524295", app.url + "/static/big.bin"], capture_output=True,
                          timeout=30)
    assert done.stdout == BIG[524288:524296]


def test_whole_file_range_is_200(app):
    for value in ["bytes=0-", f"bytes=0-{len(HELLO) - 1}", "bytes=0-999999", f"bytes=-{len(HELLO)}"]:
        r = get(app, "/static/hello.txt", Range=value)
        assert (r.status_code, r.content) == (200, HELLO), value
        assert "Content-Range" not in r.headers


def test_unsatisfiable_range_is_416(app):
    for value in [f"bytes={len(HELLO)}-", "bytes=100-200", "bytes=5-4", "bytes=-0"]:
        r = get(app, "/static/hello.txt", Range=value)
        assert r.status_code == 416, value
        assert r.headers["Content-Range"] == f"bytes */{len(HELLO)}"
        assert r.content == b""


def test_ranges_we_do_not_take_get_the_whole_file(app):
    for value in ["bytes=0-1,5-6", "items=0-1", "bytes=x-y"]:
        assert (get(app, "/static/hello.txt", Range=value).content) == HELLO, value


def test_if_range_of_another_version_gets_the_whole_file(app):
    r = get(app, "/static/hello.txt")
    assert get(app, "/static/hello.txt", Range="bytes=0-4", **{"If-Range": r.headers["ETag"]}).status_code == 206
    assert get(app, "/static/hello.txt", Range="bytes=0-4",
               **{"If-Range": r.headers["Last-Modified"]}).status_code == 206
    assert get(app, "/static/hello.txt", Range="bytes=0-4", **{"If-Range": '"old"'}).content == HELLO


# --- versioned URLs ---

def test_static_url_is_versioned_by_content_and_cached_for_ten_years(app, tree):
    url = requests.get(app.url + "/static-url?path=style.css").text
    m = re.fullmatch(r"/static/style\.css\?v=([0-9a-f]{32})", url)
    assert m, url
    assert m.group(1) == hashlib.sha256(CSS).hexdigest()[:32]
    r = get(app, url)
    assert (r.status_code, r.content) == (200, CSS)
    assert r.headers["ETag"] == f'"{m.group(1)}"'
    assert r.headers["Cache-Control"] == f"max-age={TEN_YEARS}"
    expires = email.utils.parsedate_to_datetime(r.headers["Expires"]).timestamp()
    assert abs(expires - (time.time() + TEN_YEARS)) < 60
    assert get(app, url, **{"If-None-Match": r.headers["ETag"]}).status_code == 304


def test_a_changed_file_gets_a_new_version(app, tree):
    path = tree / "changing.css"
    path.write_bytes(b"a { color: red; }")
    first = requests.get(app.url + "/static-url?path=changing.css").text
    etag = get(app, "/static/changing.css").headers["ETag"]
    path.write_bytes(b"a { color: blue; }")
    second = requests.get(app.url + "/static-url?path=changing.css").text
    assert first != second
    assert second.endswith(hashlib.sha256(b"a { color: blue; }").hexdigest()[:32])
    r = get(app, "/static/changing.css", **{"If-None-Match": etag})
    assert (r.status_code, r.content) == (200, b"a { color: blue; }")


def test_a_file_answered_from_memory_follows_its_changes(app, tree):
    """A small file read a second or more after its last change is kept in memory and found again with one statx: a
    write, and a symlink out of the root in its place, each take effect at the next request."""
    path = tree / "kept.txt"
    path.write_bytes(b"first version")
    time.sleep(1.1)
    for _ in range(2):  # the first reads and keeps it, the second is answered from memory
        r = get(app, "/static/kept.txt")
        assert (r.status_code, r.content) == (200, b"first version")
    etag = r.headers["ETag"]
    assert get(app, "/static/kept.txt", **{"If-None-Match": etag}).status_code == 304
    r = get(app, "/static/kept.txt", Range="bytes=6-12")
    assert (r.status_code, r.content) == (206, b"version")
    head = requests.head(app.url + "/static/kept.txt")
    assert (head.headers["Content-Length"], head.content) == ("13", b"")
    path.write_bytes(b"other version")  # the same size
    r = get(app, "/static/kept.txt", **{"If-None-Match": etag})
    assert (r.status_code, r.content) == (200, b"other version")
    assert r.headers["ETag"] != etag
    path.unlink()
    os.symlink(tree.parent / "secret.txt", path)
    r = exchange(app, "GET", "/static/kept.txt")
    assert r.status == 403 and b"outside the root" not in r.body


def test_static_url_of_a_missing_file_has_no_version(app):
    assert requests.get(app.url + "/static-url?path=missing.css").text == "/static/missing.css"


# --- what is refused ---

@pytest.mark.parametrize("target", [
    "/static/../secret.txt",
    "/static/%2e%2e/secret.txt",
    "/static/%2E%2E/secret.txt",
    "/static/.%2e/secret.txt",
    "/static/sub/../../secret.txt",
    "/static/sub/%2e%2e/%2e%2e/secret.txt",
    "/static/..%2fsecret.txt",
    "/static/sub%2f..%2f..%2fsecret.txt",
    "/static/%2fetc%2fpasswd",
    "/static//etc/passwd",
    "/static/..%5csecret.txt",
    "/static/hello.txt%00",
    "/static/hello.txt%00.css",
    "/static/outer-link.txt",
    "/static/absolute-link.txt",
    "/static/up/secret.txt",
    "/static/./hello.txt",
    "/static/sub",
    "/static/sub/",
    "/static/",
    "/static/missing.txt",
])
def test_traversal_and_directories_are_refused(app, target):
    """Raw sockets: curl and requests would normalise most of these targets before sending them."""
    r = exchange(app, "GET", target)
    assert r.status in (403, 404), (target, r.status)
    assert b"outside the root" not in r.body and b"root:" not in r.body
    assert b"Index of" not in r.body and b"page.html" not in r.body


def test_a_nul_byte_in_the_target_is_refused(app):
    r = exchange(app, "GET", "/static/hello.txt\x00.css")
    assert r.status in (400, 403, 404)
    assert HELLO not in r.body


# --- updraft --static-map in front of a WSGI app ---

@pytest.fixture(scope="module")
def flask_site(tree):
    server = start_updraft("app:app", "--static-map", f"/assets={tree}", "--static-map", f"/more/={tree / 'sub'}",
                           chdir=FLASK_DIR, pythonpath=None)
    yield server
    assert server.stop() == 0, server.error_log()


def test_static_map_serves_files_before_the_flask_app(flask_site):
    r = requests.get(flask_site.url + "/assets/style.css")
    assert (r.status_code, r.content) == (200, CSS)
    assert r.headers["Content-Type"] == "text/css"
    assert "ETag" in r.headers and r.headers["Accept-Ranges"] == "bytes"
    assert get(flask_site, "/assets/style.css", **{"If-None-Match": r.headers["ETag"]}).status_code == 304
    assert get(flask_site, "/assets/big.bin", Range="bytes=10-19").content == BIG[10:20]
    assert requests.get(flask_site.url + "/more/page.html").content == b"<p>page</p>"


def test_static_map_misses_are_answered_natively_and_the_rest_goes_to_flask(flask_site):
    r = requests.get(flask_site.url + "/assets/missing.css")
    assert r.status_code == 404
    assert r.text == "<html><title>404: Not Found</title><body>404: Not Found</body></html>"  # updraft's, not Flask's
    assert exchange(flask_site, "GET", "/assets/../secret.txt").status in (403, 404)
    home = requests.get(flask_site.url + "/")
    assert home.status_code == 200
    assert "ETag" not in home.headers


def test_the_mixed_sample_takes_static_map_too(tree, server_factory):
    mixed = server_factory("mixed", "--threads", "1", "--static-map", f"/assets/={tree}", "--chdir", FLASK_DIR,
                           "app:app")
    r = requests.get(mixed.url + "/assets/hello.txt")
    assert (r.status_code, r.content) == (200, HELLO)
    assert "ETag" in r.headers
    assert requests.get(mixed.url + "/native/hello").text == "Hello, World!"
    assert requests.get(mixed.url + "/").status_code == 200


def test_static_map_is_checked_before_serving(tmp_path):
    for bad, message in [("assets=/tmp", "URL_PREFIX=DIR"), ("/assets", "URL_PREFIX=DIR"),
                         (f"/assets={tmp_path / 'none'}", "static directory")]:
        done = subprocess.run([UPDRAFT, "--static-map", bad, "--chdir", FLASK_DIR, "-b", "127.0.0.1:0", "app:app"],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode != 0, bad
        assert message in done.stderr, (bad, done.stderr)
