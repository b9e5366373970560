"""Native Application routing end to end: exact and regex routes, path arguments, reverse_url, 404/405,
HEAD on get(), every method, and per-route body limits (tests/native/native_test_app.cpp)."""
import http.client

import requests

from support import ResponseReader, read_until_closed


def error_page(status, reason):
    return f"<html><title>{status}: {reason}</title><body>{status}: {reason}</body></html>"


def test_terse_sync_handler_gets_default_content_type_and_length(native_app):
    r = requests.get(native_app.url + "/")
    assert r.status_code == 200
    assert r.text == "Hello, World!"
    assert r.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert r.headers["Content-Length"] == "13"


def test_exact_route(native_app):
    r = requests.get(native_app.url + "/plain")
    assert (r.status_code, r.text, r.headers["Content-Type"]) == (200, "plain", "text/plain")


def test_regex_route_captures_path_argument(native_app):
    r = requests.get(native_app.url + "/user/42")
    assert (r.status_code, r.text) == (200, "user 42")


def test_path_arguments_are_percent_decoded_but_plus_is_literal(native_app):
    r = requests.get(native_app.url + "/user/a%20b%2Fc%C3%A9")
    assert (r.status_code, r.content) == (200, "user a b/cé".encode())
    r = requests.get(native_app.url + "/user/a+b")
    assert (r.status_code, r.text) == (200, "user a+b")
    r = requests.get(native_app.url + "/user/%zz%4")
    assert (r.status_code, r.text) == (200, "user %zz%4")


def test_several_groups_in_order(native_app):
    r = requests.get(native_app.url + "/pair/abc/123")
    assert (r.status_code, r.text) == (200, "abc|123")


def test_exact_route_wins_over_an_earlier_pattern(native_app):
    r = requests.get(native_app.url + "/user/me")
    assert (r.status_code, r.text) == (200, "me (exact route)")


def test_patterns_match_the_whole_path(native_app):
    for path in ["/user/1/extra", "/user/", "/xuser/1", "/pair/abc/12x", "/pair/ABC/12", "/file/notesXtxt",
                 "/file/notes.txt.bak", "/plain/", "/plainx"]:
        r = requests.get(native_app.url + path)
        assert r.status_code == 404, path
    r = requests.get(native_app.url + "/file/notes.txt")
    assert (r.status_code, r.text) == (200, "notes")


def test_query_string_is_not_part_of_the_route(native_app):
    r = requests.get(native_app.url + "/user/7?x=1&y=/user/8")
    assert (r.status_code, r.text) == (200, "user 7")
    r = requests.get(native_app.url + "/plain?")
    assert (r.status_code, r.text) == (200, "plain")


def test_reverse_url(native_app):
    r = requests.get(native_app.url + "/reverse")
    assert r.status_code == 200
    assert r.text.split("\n") == ["/user/42", "/user/a%20b%2Fc", "/file/notes.txt", "/pair/x/7"]


def test_reverse_url_round_trips_through_the_router(native_app):
    reversed_path = requests.get(native_app.url + "/reverse").text.split("\n")[1]
    r = requests.get(native_app.url + reversed_path)
    assert (r.status_code, r.text) == (200, "user a b/c")


def test_no_match_is_404_with_an_error_page(native_app):
    r = requests.get(native_app.url + "/no/such/page")
    assert r.status_code == 404
    assert r.text == error_page(404, "Not Found")
    assert r.headers["Content-Type"] == "text/html; charset=UTF-8"
    r = requests.post(native_app.url + "/no/such/page", data=b"x")
    assert r.status_code == 404


def test_method_the_handler_lacks_is_405_with_allow(native_app):
    for method in ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]:
        r = requests.request(method, native_app.url + "/get-only")
        assert r.status_code == 405, method
        assert r.headers["Allow"] == "GET, HEAD", method
        assert r.text == error_page(405, "Method Not Allowed")
        assert "X-Get-Ran" not in r.headers
    r = requests.get(native_app.url + "/methods")
    assert r.status_code == 405
    assert r.headers["Allow"] == "POST, PUT, PATCH, DELETE, OPTIONS"


def test_method_unknown_to_the_framework_is_405(native_app):
    with native_app.connect() as s:
        s.sendall(b"PROPFIND /get-only HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers, body = ResponseReader(s).read()
    assert status == 405
    assert headers["allow"] == "GET, HEAD"


def test_head_runs_get_and_sends_headers_without_body(native_app):
    conn = http.client.HTTPConnection(native_app.host, native_app.port, timeout=5)
    conn.request("HEAD", "/get-only")
    r = conn.getresponse()
    assert r.status == 200
    assert r.getheader("Content-Length") == str(len("body of get"))
    assert r.getheader("Content-Type") == "text/plain"
    assert r.getheader("X-Get-Ran") == "yes"
    assert r.read() == b""
    conn.close()


def test_head_leaves_no_body_bytes_on_a_kept_alive_connection(native_app):
    with native_app.connect() as s:
        s.sendall(b"HEAD /get-only HTTP/1.1\r\nHost: x\r\n\r\nGET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = read_until_closed(s)
    head, sep, rest = data.partition(b"\r\n\r\n")
    assert sep
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nContent-Length: 11\r\n" in head + b"\r\n"
    assert rest.startswith(b"HTTP/1.1 200 OK\r\n"), rest[:40]
    assert rest.endswith(b"\r\n\r\nplain")


def test_post_put_patch_delete_handlers(native_app):
    for method in ["POST", "PUT", "PATCH", "DELETE"]:
        r = requests.request(method, native_app.url + "/methods", data=b"payload")
        assert (r.status_code, r.text) == (200, f"{method.lower()} payload"), method
    r = requests.delete(native_app.url + "/methods")
    assert (r.status_code, r.text) == (200, "delete ")


def test_options_handler_with_204(native_app):
    r = requests.options(native_app.url + "/methods")
    assert r.status_code == 204
    assert r.headers["Allow"] == "POST, PUT, PATCH, DELETE, OPTIONS"
    assert r.content == b""
    assert "Content-Length" not in r.headers
    assert "Content-Type" not in r.headers


def test_route_body_limit_rejects_a_larger_body_with_413(native_app):
    r = requests.post(native_app.url + "/limited", data=b"x" * 16)
    assert (r.status_code, r.text) == (200, "got 16")
    r = requests.post(native_app.url + "/limited", data=b"x" * 17)
    assert r.status_code == 413
    r = requests.post(native_app.url + "/unlimited", data=b"x" * 100_000)
    assert (r.status_code, r.text) == (200, "got 100000")


def test_route_body_limit_applies_to_chunked_bodies(native_app):
    with native_app.connect() as s:
        s.sendall(b"POST /limited HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n")
        status, _, _ = ResponseReader(s).read()
    assert status == 413
    with native_app.connect() as s:
        s.sendall(b"POST /limited HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"a\r\n0123456789\r\n6\r\n012345\r\n0\r\n\r\n")
        status, _, body = ResponseReader(s).read()
    assert (status, body) == (200, b"got 16")
