"""multipart/form-data end to end (tests/native/native_test_app.cpp's /upload): fields as body arguments and files as
request.files from Python requests, curl -F and hand-written bodies (filename*=); large files spooled into the
server's temporary directory and removed after the request; malformed bodies and too many parts are a 400."""
import json
import os
import subprocess
import time

import pytest
import requests

BOUNDARY = "----updraftBoundary7MA4YWxk"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


@pytest.fixture
def spool_dir(tmp_path):
    return tmp_path


@pytest.fixture
def app(server_factory, spool_dir):
    """The test app with its own temporary directory, to see what it writes there."""
    return server_factory("native_test_app", "--threads", "1", env={"TMPDIR": str(spool_dir)})


def part(headers, data):
    return f"--{BOUNDARY}\r\n".encode() + headers.encode() + b"\r\n\r\n" + data + b"\r\n"


def closing():
    return f"--{BOUNDARY}--\r\n".encode()


def field(name, value):
    return part(f'Content-Disposition: form-data; name="{name}"', value)


def spooled_files_gone(spool_dir, timeout=5):
    """Whether the spooled uploads in spool_dir are removed (when the request's handler goes, just after the answer)."""
    deadline = time.monotonic() + timeout
    while any(n.startswith("updraft-upload-") for n in os.listdir(spool_dir)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def upload(app, query="", **kwargs):
    return requests.post(app.url + "/upload" + query, **kwargs)


def test_requests_fields_and_files(app, spool_dir):
    small = b"small \x00\xff file"
    big = os.urandom(300 * 1024)
    r = upload(app, "?field=a&field=b&field=none", data={"a": "1", "b": ["x", "y z"]},
               files=[("doc", ("notes.txt", small, "text/plain")),
                      ("doc", ("big.bin", big, "application/octet-stream"))])
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["fields"] == {"a": ["1"], "b": ["x", "y z"], "none": []}
    small_file, big_file = got["files"]["doc"]
    assert (small_file["filename"], small_file["content_type"]) == ("notes.txt", "text/plain")
    assert small_file["size"] == len(small)
    assert not small_file["spooled"] and bytes.fromhex(small_file["hex"]) == small
    assert (big_file["filename"], big_file["size"], big_file["spooled"]) == ("big.bin", len(big), True)
    assert bytes.fromhex(big_file["hex"]) == big
    assert os.path.dirname(big_file["path"]) == str(spool_dir)
    assert os.path.basename(big_file["path"]).startswith("updraft-upload-")
    assert spooled_files_gone(spool_dir)


def test_multipart_fields_are_body_arguments(app):
    r = requests.post(app.url + "/args/sources?name=a&a=q", files={"a": (None, "from the form")})
    assert r.json() == {"query": ["q"], "body": ["from the form"], "query_last": "q", "body_last": "from the form",
                        "all": ["q", "from the form"]}
    r = requests.post(app.url + "/args/typed", files={"n": (None, "12"), "flag": (None, "on")})
    assert r.json() == {"n": 12, "ratio": 1.5, "flag": True, "count": 0}
    r = requests.post(app.url + "/args/typed", files={"n": (None, "twelve")})
    assert r.status_code == 400 and "Malformed argument n" in r.text


def test_curl_form(app, tmp_path):
    source = tmp_path / "source.c"
    source.write_bytes(b"int main() { return 0; }\n" * 5000)
    out = subprocess.run(["curl", "-sS", "-F", "a=1", "-F", f"code=@{source};type=text/x-c",
                          "-F", f"named=@{source};filename=na\u00efve \u2713.txt", app.url + "/upload?field=a"],
                         capture_output=True, check=True).stdout
    got = json.loads(out)
    assert got["fields"] == {"a": ["1"]}
    code = got["files"]["code"][0]
    assert (code["filename"], code["content_type"], code["spooled"]) == ("source.c", "text/x-c", True)
    assert bytes.fromhex(code["hex"]) == source.read_bytes()
    assert got["files"]["named"][0]["filename"] == "na\u00efve \u2713.txt"


def test_filename_star_and_hostile_filenames_write_nothing_outside_the_temporary_directory(app, spool_dir, tmp_path):
    data = os.urandom(100 * 1024)
    body = (part("Content-Disposition: form-data; name=\"f\"; filename=\"plain.txt\"; "
                 "filename*=UTF-8''%E2%9C%93%20ok.txt", b"tick") +
            part('Content-Disposition: form-data; name="evil"; filename="../../../../tmp/updraft-evil"', data) +
            part('Content-Disposition: form-data; name="abs"; filename="/etc/updraft-evil"', data) + closing())
    r = upload(app, data=body, headers=MULTIPART)
    assert r.status_code == 200, r.text
    files = r.json()["files"]
    assert files["f"][0]["filename"] == "\u2713 ok.txt"
    assert files["evil"][0]["filename"] == "../../../../tmp/updraft-evil"
    for name in ("evil", "abs"):
        assert os.path.dirname(files[name][0]["path"]) == str(spool_dir)
        assert bytes.fromhex(files[name][0]["hex"]) == data
    assert not os.path.exists("/tmp/updraft-evil") and not os.path.exists("/etc/updraft-evil")
    assert spooled_files_gone(spool_dir)


@pytest.mark.parametrize("body, message", [
    (field("a", b"1"), "the body ended before the closing boundary"),
    (b"", "the body ended before the closing boundary"),
    (f"--{BOUNDARY}X\r\n".encode(), "a boundary followed by something else than a line break"),
    (part("Content-Type: text/plain", b"v") + closing(), "a part without Content-Disposition"),
    (part('Content-Disposition: form-data; filename="a"', b"v") + closing(), "a part without a name"),
    (b"".join(field(f"f{i}", b"v") for i in range(101)) + closing(), "more parts than the limit of 100"),
    (part("Content-Disposition: form-data; name=a\r\nX-Big: " + "h" * 11000, b"v") + closing(),
     "part headers larger than the limit"),
])
def test_malformed_body_is_400(app, spool_dir, body, message):
    r = upload(app, data=body, headers=MULTIPART)
    assert r.status_code == 400
    assert "Malformed multipart/form-data body: " + message in r.text
    assert spooled_files_gone(spool_dir)


def test_a_hundred_parts_are_fine(app):
    body = b"".join(field("f", str(i).encode()) for i in range(100)) + closing()
    r = upload(app, "?field=f", data=body, headers=MULTIPART)
    assert r.status_code == 200
    assert r.json()["fields"]["f"] == [str(i) for i in range(100)]


def test_a_broken_upload_after_a_spooled_file_removes_it(app, spool_dir):
    body = part('Content-Disposition: form-data; name="f"; filename="big"', os.urandom(200 * 1024))
    r = upload(app, data=body, headers=MULTIPART)  # no closing boundary
    assert r.status_code == 400
    assert spooled_files_gone(spool_dir)


def test_multipart_without_a_boundary_is_400(app):
    r = upload(app, data=b"--x--\r\n", headers={"Content-Type": "multipart/form-data"})
    assert r.status_code == 400
    assert "no valid boundary" in r.text
