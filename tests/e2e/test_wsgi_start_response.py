"""PEP 3333 start_response: header and status validation (500, nothing bad on the wire), exc_info, write(), held headers."""
import pytest

from wsgi_apps.start_response_app import BAD_HEADERS, BAD_STATUSES
from support import SLACK, ResponseReader, http_request, read_until_closed, serve

ERROR_BODY = b"Internal Server Error\n"


@pytest.fixture(scope="module")
def server():
    yield from serve("start_response_app:app", "--threads", "2")


def get_raw(server, target):
    """GETs target with Connection: close; returns every byte the server sent."""
    with server.connect() as s:
        http_request(s, "GET", target, [("Connection", "close")])
        return read_until_closed(s, timeout=10 * SLACK)


def get_then_ok(server, target):
    """GETs target, then /ok on the same connection (the server must keep serving); returns the first response."""
    with server.connect() as s:
        reader = ResponseReader(s, timeout=10 * SLACK)
        http_request(s, "GET", target)
        first = reader.read()
        http_request(s, "GET", "/ok")
        second = reader.read()
        assert (second.status, second.body) == (200, b"ok")
        return first


def assert_clean_500(r):
    assert r.status == 500
    assert r.body == ERROR_BODY
    assert b"Injected" not in r.raw_head
    assert b"x-good" not in r.raw_head.lower()
    assert b"x-held" not in r.raw_head.lower()


@pytest.mark.parametrize("name", sorted(BAD_HEADERS))
def test_invalid_or_hop_by_hop_header_gives_500(server, name):
    assert_clean_500(get_then_ok(server, "/header/" + name))
    raw = get_raw(server, "/header/" + name)
    assert raw.startswith(b"HTTP/1.1 500 ")
    assert b"Injected" not in raw


@pytest.mark.parametrize("name", sorted(BAD_STATUSES))
def test_invalid_status_gives_500(server, name):
    assert_clean_500(get_then_ok(server, "/status/" + name))
    assert b"Injected" not in get_raw(server, "/status/" + name)


def test_invalid_header_is_logged(server):
    get_then_ok(server, "/header/value-crlf")
    log = server.wait_error_log("X-Bad")
    assert "Traceback" in log


def test_headers_must_be_a_list(server):
    assert_clean_500(get_then_ok(server, "/headers-tuple"))


def test_second_call_without_exc_info_gives_500(server):
    assert_clean_500(get_then_ok(server, "/twice"))
    assert b"201" not in get_raw(server, "/twice")


def test_exc_info_before_the_body_replaces_status_and_headers(server):
    r = get_then_ok(server, "/exc-before")
    assert (r.status, r.body) == (503, b"recovered")
    assert r.headers["x-second"] == "kept"
    assert "x-first" not in r.headers


def test_exc_info_on_the_first_call_is_fine(server):
    r = get_then_ok(server, "/exc-first")
    assert (r.status, r.body) == (502, b"first call with exc_info")


def test_exc_info_after_the_body_started_aborts_the_connection(server):
    raw = get_raw(server, "/exc-after")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"transfer-encoding: chunked" in head.lower()
    assert body in (b"", b"c\r\npartial body\r\n")  # whatever was sent, never the last chunk
    assert b"never sent" not in raw
    assert server.wait_error_log("too late")


def test_exc_info_after_write_aborts_a_content_length_response(server):
    raw = get_raw(server, "/exc-after-write")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"content-length: 100" in head.lower()
    assert body in (b"", b"written")  # short of its Content-Length: the client knows it is incomplete


def test_write_and_returned_iterable_are_concatenated(server):
    r = get_then_ok(server, "/write-mixed")
    assert (r.status, r.body) == (200, b"one,two,three,four")


def test_write_interleaved_with_a_generator(server):
    r = get_then_ok(server, "/write-generator")
    assert (r.status, r.body) == (200, b"w1,g1,w2,g2")


def test_write_only_with_content_length(server):
    r = get_then_ok(server, "/write-only")
    assert (r.status, r.body, r.headers["content-length"]) == (200, b"abcdef", "6")


def test_write_of_str_gives_500(server):
    assert_clean_500(get_then_ok(server, "/write-str"))


@pytest.mark.parametrize("target", ["/empty-then-raise", "/write-empty-then-raise"])
def test_headers_are_held_until_the_first_non_empty_chunk(server, target):
    assert_clean_500(get_then_ok(server, target))


def test_start_response_from_inside_the_iterable(server):
    r = get_then_ok(server, "/late-start")
    assert (r.status, r.body) == (202, b"late")


def test_latin1_header_values_go_out_as_latin1_bytes(server):
    r = get_then_ok(server, "/latin1-value")
    assert r.status == 200
    assert b"\r\nX-Latin: caf\xe9" in r.raw_head


@pytest.mark.parametrize("target, status_line", [
    ("/custom-reason", b"HTTP/1.1 299 Custom Reason Phrase"),
    ("/teapot", b"HTTP/1.1 418 I'm a teapot"),
])
def test_the_apps_reason_phrase_is_sent(server, target, status_line):
    r = get_then_ok(server, target)
    assert r.raw_head.split(b"\r\n")[0] == status_line


def test_start_response_takes_its_arguments_by_keyword(server):
    r = get_then_ok(server, "/keywords")
    assert (r.status, r.body) == (201, b"by keyword")


def test_start_response_without_headers_gives_500(server):
    assert_clean_500(get_then_ok(server, "/one-argument"))
