"""wsgiref.validate.validator around an app: many kinds of requests pass with no AssertionError or warning logged."""
import pytest
import requests

from support import SLACK, ResponseReader, http_request, serve


@pytest.fixture(scope="module")
def server():
    yield from serve("validator_app:app", "--threads", "2")


def assert_log_clean(server):
    log = server.error_log()
    assert "AssertionError" not in log, log
    assert "Warning" not in log, log
    assert "without being closed" not in log, log
    assert "[error]" not in log, log


def test_get_requests(server):
    for target, body in [("/", b"hello /?"), ("/a/b?x=1&y=%20", b"hello /a/b?x=1&y=%20"),
                         ("/caf%C3%A9", "hello /caf\u00c3\u00a9?".encode("latin-1"))]:
        r = requests.get(server.url + target)
        assert (r.status_code, r.content) == (200, body)
    assert_log_clean(server)


def test_post_echo_with_content_length_and_chunked(server):
    r = requests.post(server.url + "/echo", data=b"validated body")
    assert (r.status_code, r.content) == (200, b"validated body")
    with server.connect() as s:
        http_request(s, "POST", "/lines", [("Transfer-Encoding", "chunked")], b"4\r\nab\nc\r\n3\r\nd\ne\r\n0\r\n\r\n")
        r = ResponseReader(s, timeout=10 * SLACK).read()
    assert (r.status, r.body) == (200, b"3|ab|2")
    assert_log_clean(server)


def test_streamed_written_empty_and_file_responses(server):
    r = requests.get(server.url + "/stream")
    assert (r.status_code, r.content) == (200, b"part 0;part 1;part 2;part 3;part 4;")
    r = requests.get(server.url + "/write")
    assert (r.status_code, r.content) == (201, b"written;returned")
    r = requests.get(server.url + "/empty")
    assert (r.status_code, r.content) == (204, b"")
    r = requests.get(server.url + "/file")
    assert (r.status_code, r.content) == (200, b"wrapped file")
    assert_log_clean(server)


def test_head_and_keep_alive(server):
    with server.connect() as s:
        reader = ResponseReader(s, timeout=10 * SLACK)
        for method in ["HEAD", "GET", "HEAD", "GET"]:
            http_request(s, method, "/keep")
            r = reader.read(method)
            assert r.status == 200
            assert r.body == (b"" if method == "HEAD" else b"hello /keep?")
    assert_log_clean(server)


def test_http10_request(server):
    with server.connect() as s:
        s.sendall(b"GET /old HTTP/1.0\r\n\r\n")
        r = ResponseReader(s, timeout=10 * SLACK).read()
    assert (r.status, r.body) == (200, b"hello /old?")
    assert_log_clean(server)
