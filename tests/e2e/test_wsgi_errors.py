"""App errors: 500 with the traceback logged before headers, an aborted connection after; the server keeps serving."""
import pytest
import requests

from support import SLACK, ResponseReader, http_request, read_until_closed, serve


@pytest.fixture(scope="module")
def server():
    yield from serve("errors_app:app", "--threads", "2")


def assert_still_serving(server):
    for _ in range(3):
        r = requests.get(server.url + "/ok")
        assert (r.status_code, r.text) == (200, "ok")


def test_exception_before_start_response_is_a_500_with_the_traceback_logged(server):
    r = requests.get(server.url + "/before")
    assert (r.status_code, r.content) == (500, b"Internal Server Error\n")
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert "boom" not in r.text
    log = server.wait_error_log("RuntimeError: boom-before-start-response")
    block = log[log.rindex("GET /before"):]
    assert "Traceback (most recent call last)" in block
    assert 'errors_app.py", line' in block and "in before_start_response" in block
    assert_still_serving(server)


def test_500_keeps_the_connection_alive(server):
    with server.connect() as s:
        reader = ResponseReader(s, timeout=10 * SLACK)
        http_request(s, "GET", "/before")
        assert reader.read().status == 500
        http_request(s, "GET", "/ok")
        assert reader.read().body == b"ok"


@pytest.mark.parametrize("target, message, complete_marker", [
    ("/after", "Traceback (most recent call last)", b"0\r\n\r\n"),
    ("/after-length", "RuntimeError: boom-after-headers-with-length", None),
    ("/str-after-bytes", "TypeError: the response iterable yielded str", b"0\r\n\r\n"),
])
def test_exception_after_headers_aborts_the_connection(server, target, message, complete_marker):
    """/after raises RuntimeError('boom-after-headers...') after its first chunk; /str-after-bytes yields a str."""
    with server.connect() as s:
        http_request(s, "GET", target)  # keep-alive: only an abort closes the connection
        raw = read_until_closed(s, timeout=10 * SLACK)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert len(body) < 1000
    if complete_marker:
        assert not body.endswith(complete_marker), "the client saw a complete chunked response"
    log = server.wait_error_log("GET " + target + ":")
    block = log[log.rindex("GET " + target + ":"):]
    assert message in block
    if target == "/after":
        assert "RuntimeError: boom-after-headers\n" in block
    assert_still_serving(server)


@pytest.mark.parametrize("target, message", [
    ("/str", "TypeError"),
    ("/list-of-str", "TypeError"),
    ("/none", "TypeError"),
    ("/no-start", "start_response"),
])
def test_bad_return_values_are_a_500(server, target, message):
    r = requests.get(server.url + target)
    assert (r.status_code, r.content) == (500, b"Internal Server Error\n")
    log = server.wait_error_log("GET " + target + ":")
    block = log[log.rindex("GET " + target + ":"):]
    assert message in block
    if target == "/after":
        assert "RuntimeError: boom-after-headers\n" in block
    assert_still_serving(server)


def test_wsgi_errors_goes_to_the_error_log(server):
    assert requests.get(server.url + "/errors").text == "logged"
    log = server.wait_error_log("second errors line")
    assert "wsgi.errors line from the app\n" in log


def test_many_errors_in_a_row_do_not_hurt_the_server(server):
    for target in ["/before", "/str", "/none", "/no-start"] * 10:
        assert requests.get(server.url + target).status_code == 500
    for _ in range(5):
        with server.connect() as s:
            http_request(s, "GET", "/after", [("Connection", "close")])
            read_until_closed(s, timeout=10 * SLACK)
    assert_still_serving(server)
