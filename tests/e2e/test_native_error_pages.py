"""write_error's default pages through real clients (tests/native/native_test_app.cpp): HTML for browsers, JSON for
clients whose Accept prefers application/json, the exception shown only with the debug setting."""
import http.client

import pytest
import requests

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
JSON = "application/json"


@pytest.fixture
def debug_app(server_factory):
    return server_factory("native_test_app", "--threads", "1", "--debug")


def fetch(app, path, accept=None):
    headers = {"Accept": accept} if accept else {}
    return requests.get(app.url + path, headers=headers, timeout=10)


def test_a_browser_gets_tornados_html_page(native_app):
    r = fetch(native_app, "/no/such/page", BROWSER)
    assert r.status_code == 404
    assert r.headers["content-type"] == "text/html; charset=UTF-8"
    assert r.headers["vary"] == "Accept"
    assert r.text == "<html><title>404: Not Found</title><body>404: Not Found</body></html>"


def test_a_json_client_gets_json(native_app):
    r = fetch(native_app, "/no/such/page", JSON)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/json; charset=UTF-8"
    assert r.headers["vary"] == "Accept"
    assert r.json() == {"code": 404, "message": "Not Found"}


@pytest.mark.parametrize("accept, is_json", [
    (None, False),  # requests sends */*
    ("*/*", False),
    (BROWSER, False),
    ("application/json, text/plain, */*", True),  # axios
    ("text/html;q=0.5, application/json", True),
    ("application/json;q=0.5, text/html", False),
    ("application/json;q=oops", False),
])
def test_json_only_when_accept_prefers_it(native_app, accept, is_json):
    r = fetch(native_app, "/no/such/page", accept)
    assert r.headers["content-type"].startswith("application/json" if is_json else "text/html")


def test_the_reason_and_the_argument_reach_the_json_page(native_app):
    assert fetch(native_app, "/error/reason", JSON).json() == {"code": 404, "message": "Widget Missing"}
    assert fetch(native_app, "/greet", JSON).json() == {"code": 400, "message": "Missing argument name"}
    r = fetch(native_app, "/args/typed?n=1&count=12x", JSON)
    assert r.status_code == 400 and "count" in r.json()["message"]


def test_a_hostile_reason_is_escaped_in_html_and_json(native_app):
    hostile = "<script>alert('x')</script>"
    r = requests.get(native_app.url + "/error/echo-reason", params={"reason": hostile}, headers={"Accept": BROWSER},
                     timeout=10)
    assert r.status_code == 400
    escaped = "400: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
    assert r.text == f"<html><title>{escaped}</title><body>{escaped}</body></html>"
    r = requests.get(native_app.url + "/error/echo-reason", params={"reason": hostile}, headers={"Accept": JSON},
                     timeout=10)
    assert r.json() == {"code": 400, "message": hostile}  # JSON needs no HTML escaping: a JSON parser reads it


def test_405_keeps_allow_in_both_forms(native_app):
    for accept in (BROWSER, JSON):
        r = requests.post(native_app.url + "/get-only", headers={"Accept": accept}, timeout=10)
        assert r.status_code == 405 and "GET" in r.headers["allow"]
    assert r.json() == {"code": 405, "message": "Method Not Allowed"}


def test_without_debug_the_exception_is_never_shown(native_app):
    html = fetch(native_app, "/error/exception", BROWSER)
    assert html.status_code == 500
    assert html.text == "<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>"
    assert fetch(native_app, "/error/exception", JSON).json() == {"code": 500, "message": "Internal Server Error"}
    assert "boom" not in fetch(native_app, "/error/coroutine", JSON).text


def test_with_debug_the_exception_is_shown(debug_app):
    html = fetch(debug_app, "/error/exception", BROWSER)
    assert html.status_code == 500
    assert html.text == ("<html><title>500: Internal Server Error</title><body>500: Internal Server Error"
                         "<pre>std::runtime_error: boom</pre></body></html>")
    assert fetch(debug_app, "/error/exception", JSON).json() == {
        "code": 500, "message": "Internal Server Error", "exception": "std::runtime_error: boom"}
    r = fetch(debug_app, "/error/http?code=409", JSON)
    assert r.json() == {"code": 409, "message": "Conflict", "exception": "updraft::HTTPError: raised by the handler"}


def test_with_debug_send_error_without_an_exception_shows_none(debug_app):
    assert fetch(debug_app, "/error/send", JSON).json() == {"code": 409, "message": "Conflict"}
    assert fetch(debug_app, "/error/send", BROWSER).text == (
        "<html><title>409: Conflict</title><body>409: Conflict</body></html>")


def test_head_of_an_error_has_no_body(native_app):
    conn = http.client.HTTPConnection(native_app.host, native_app.port, timeout=10)
    conn.request("HEAD", "/no/such/page", headers={"Accept": JSON})
    r = conn.getresponse()
    assert r.status == 404 and r.read() == b""
    assert r.getheader("content-type") == "application/json; charset=UTF-8"
