"""Native RequestHandler end to end: prepare/on_finish, arguments, status and headers, JSON, finish,
redirect, and errors turned into error pages (tests/native/native_test_app.cpp)."""
import http.client

import requests

from support import ResponseReader, read_until_closed


def error_page(status, reason):
    return f"<html><title>{status}: {reason}</title><body>{status}: {reason}</body></html>"


def counters(app):
    r = requests.get(app.url + "/counters")
    assert r.status_code == 200
    return r.json()


# --- hooks ------------------------------------------------------------------------------------

def test_prepare_raising_http_error_stops_the_method(native_app):
    r = requests.get(native_app.url + "/guarded")
    assert r.status_code == 403
    assert r.text == error_page(403, "Forbidden")
    assert counters(native_app)["forbidden_method_runs"] == 0
    r = requests.get(native_app.url + "/guarded?allow=1")
    assert (r.status_code, r.text) == (200, "allowed")
    assert counters(native_app)["forbidden_method_runs"] == 1


def test_prepare_that_finishes_skips_the_method(native_app):
    r = requests.get(native_app.url + "/prepare-finishes")
    assert (r.status_code, r.text) == (200, "answered by prepare")
    assert counters(native_app)["forbidden_method_runs"] == 0


def test_on_finish_runs_once_per_request_including_errors(native_app):
    assert counters(native_app)["finished"] == 0
    for _ in range(3):
        r = requests.get(native_app.url + "/on-finish")
        assert (r.status_code, r.text) == (200, "counted")
    assert counters(native_app)["finished"] == 3
    r = requests.get(native_app.url + "/on-finish?fail=1")
    assert r.status_code == 500
    assert counters(native_app)["finished"] == 4


# --- arguments --------------------------------------------------------------------------------

def test_get_argument_with_default_and_decoding(native_app):
    r = requests.get(native_app.url + "/greet?name=Ann+Lee%21")
    assert (r.status_code, r.text) == (200, "hello, Ann Lee!")
    r = requests.get(native_app.url + "/greet?greeting=hi&name=Bo")
    assert (r.status_code, r.text) == (200, "hi, Bo")


def test_get_argument_last_value_wins_and_blank_is_kept(native_app):
    r = requests.get(native_app.url + "/greet?name=a&name=b")
    assert (r.status_code, r.text) == (200, "hello, b")
    r = requests.get(native_app.url + "/greet?name=")
    assert (r.status_code, r.text) == (200, "hello, ")


def test_missing_argument_is_400(native_app):
    r = requests.get(native_app.url + "/greet")
    assert r.status_code == 400
    assert r.text == error_page(400, "Missing argument name")
    r = requests.get(native_app.url + "/greet?greeting=hi&names=x")
    assert r.status_code == 400


def test_get_arguments_returns_repeated_values_in_order(native_app):
    r = requests.get(native_app.url + "/tags?tag=b&tag=a&other=1&tag=c%20d")
    assert (r.status_code, r.text) == (200, "3:b:a:c d")
    r = requests.get(native_app.url + "/tags")
    assert (r.status_code, r.text) == (200, "0")


def test_urlencoded_form_body_arguments_merge_with_the_query(native_app):
    r = requests.post(native_app.url + "/form?q=from+query&b=q1", data="a=1&b=x&b=y+z%26",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200
    assert r.json() == {"a": "1", "b": ["q1", "x", "y z&"], "q": "from query"}
    r = requests.post(native_app.url + "/form", data=b"a=2",
                      headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})
    assert r.json() == {"a": "2", "b": [], "q": ""}


def test_non_form_bodies_are_not_parsed_as_arguments(native_app):
    r = requests.post(native_app.url + "/form", data=b"a=1", headers={"Content-Type": "text/plain"})
    assert r.status_code == 400


# --- the response -----------------------------------------------------------------------------

def test_set_status(native_app):
    r = requests.get(native_app.url + "/status?code=201")
    assert (r.status_code, r.reason, r.text) == (201, "Created", "status body")
    r = requests.get(native_app.url + "/status?code=299")
    assert (r.status_code, r.text) == (299, "status body")


def test_set_status_without_body_drops_the_body(native_app):
    for code in (204, 304):
        with native_app.connect() as s:
            r = ResponseReader(s)
            s.sendall(f"GET /status?code={code} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            status, headers, body = r.read()
            assert (status, body) == (code, b"")
            assert "content-length" not in headers and "transfer-encoding" not in headers
            s.sendall(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
            status, _, body = r.read()
            assert (status, body) == (200, b"plain")


def test_set_status_out_of_range_is_a_500(native_app):
    r = requests.get(native_app.url + "/status?code=1000")
    assert r.status_code == 500
    assert r.text == error_page(500, "Internal Server Error")


def test_set_header_replaces_add_header_appends(native_app):
    conn = http.client.HTTPConnection(native_app.host, native_app.port, timeout=5)
    conn.request("GET", "/headers")
    r = conn.getresponse()
    assert (r.status, r.read()) == (200, b"headers")
    assert r.msg.get_all("X-Single") == ["second"]
    assert r.msg.get_all("X-Multi") == ["one", "two"]
    assert r.msg.get_all("X-Gone") is None
    assert r.msg.get_all("Content-Type") == ["text/plain"]
    conn.close()


def test_write_json(native_app):
    r = requests.get(native_app.url + "/json")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert r.content == b'{"name":"updraft","list":[1,2,3],"ok":true}'
    assert r.headers["Content-Length"] == str(len(r.content))


def test_write_bytes(native_app):
    r = requests.get(native_app.url + "/bytes")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.content == b"\x00\x01zero\x00\xff\xfe"


def test_finish_with_a_last_chunk(native_app):
    r = requests.get(native_app.url + "/finish")
    assert (r.status_code, r.text) == (200, "first,last")
    assert r.headers["Content-Length"] == "10"


def test_write_after_finish_does_not_corrupt_the_connection(native_app):
    with native_app.connect() as s:
        s.sendall(b"GET /finish?write_after=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = read_until_closed(s)
    first, second = data.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"200 OK\r\n") and first.endswith(b"\r\nContent-Length: 10\r\n\r\nfirst,last")
    assert second.startswith(b"200 OK\r\n") and second.endswith(b"\r\n\r\nplain")


def test_redirect_302_and_301(native_app):
    r = requests.get(native_app.url + "/redirect", allow_redirects=False)
    assert (r.status_code, r.headers["Location"], r.content) == (302, "/plain", b"")
    r = requests.get(native_app.url + "/redirect?permanent=1", allow_redirects=False)
    assert (r.status_code, r.headers["Location"], r.content) == (301, "/plain", b"")
    r = requests.get(native_app.url + "/redirect")
    assert (r.status_code, r.text, r.url) == (200, "plain", native_app.url + "/plain")


# --- errors -----------------------------------------------------------------------------------

def test_http_error_from_the_method_replaces_what_was_written(native_app):
    r = requests.get(native_app.url + "/error/http")
    assert r.status_code == 409
    assert r.text == error_page(409, "Conflict")
    assert r.headers["Content-Type"] == "text/html; charset=UTF-8"
    r = requests.get(native_app.url + "/error/http?code=503")
    assert (r.status_code, r.text) == (503, error_page(503, "Service Unavailable"))


def test_http_error_reason_is_used_in_the_error_page(native_app):
    r = requests.get(native_app.url + "/error/reason")
    assert r.status_code == 404
    assert r.text == error_page(404, "Widget Missing")


def test_std_exception_is_500_and_the_server_keeps_serving(native_app):
    with requests.Session() as session:
        for _ in range(3):
            r = session.get(native_app.url + "/error/exception")
            assert r.status_code == 500
            assert r.text == error_page(500, "Internal Server Error")
            r = session.get(native_app.url + "/plain")
            assert (r.status_code, r.text) == (200, "plain")
    assert native_app.proc.poll() is None


def test_custom_write_error(native_app):
    r = requests.get(native_app.url + "/error/custom")
    assert r.status_code == 422
    assert r.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert r.headers["X-Custom-Error"] == "1"
    assert r.json() == {"error": 422, "reason": "Unprocessable Content"}
    r = requests.get(native_app.url + "/error/custom?reason=Bad+Widget")
    assert (r.status_code, r.json()) == (422, {"error": 422, "reason": "Bad Widget"})
    r = requests.post(native_app.url + "/error/custom")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD"
    assert r.json() == {"error": 405, "reason": "Method Not Allowed"}


def test_error_page_for_head_has_no_body(native_app):
    conn = http.client.HTTPConnection(native_app.host, native_app.port, timeout=5)
    conn.request("HEAD", "/error/http")
    r = conn.getresponse()
    assert r.status == 409
    assert r.read() == b""
    conn.request("GET", "/plain")
    r = conn.getresponse()
    assert (r.status, r.read()) == (200, b"plain")
    conn.close()

