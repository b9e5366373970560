"""PEP 3333 environ: CGI and wsgi.* keys with their types, latin-1 PATH_INFO, raw QUERY_STRING, header mapping rules."""
import json

import pytest
import requests

from support import SLACK, ResponseReader, exchange, http_request, serve


@pytest.fixture(scope="module")
def server():
    yield from serve("environ_app:app", "--threads", "2")


def environ_of(server, method="GET", target="/", headers=(), body=b"", version="HTTP/1.1"):
    r = exchange(server, method, target, headers, body, version)
    assert r.status == 200, r.body
    return json.loads(r.body)


def values(env):
    return {k: v["value"] for k, v in env.items() if k != "_probes"}


def test_required_cgi_keys_are_native_strings(server):
    env = requests.get(server.url + "/some/path?x=1").json()
    v = values(env)
    assert v["REQUEST_METHOD"] == "GET"
    assert v["SCRIPT_NAME"] == ""
    assert v["PATH_INFO"] == "/some/path"
    assert v["QUERY_STRING"] == "x=1"
    assert v["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert v["SERVER_NAME"] == "127.0.0.1"
    assert v["SERVER_PORT"] == str(server.port)
    assert v["HTTP_HOST"] == f"127.0.0.1:{server.port}"
    for key in ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_PROTOCOL", "SERVER_NAME",
                "SERVER_PORT", "REMOTE_ADDR", "REMOTE_PORT", "HTTP_HOST"):
        assert env[key]["type"] == "str", key
    assert env["_probes"]["environ_is_dict"] is True


def test_wsgi_keys_have_the_right_types_and_values(server):
    env = requests.get(server.url + "/").json()
    assert env["wsgi.version"] == {"type": "tuple", "value": [1, 0]}
    assert env["wsgi.url_scheme"] == {"type": "str", "value": "http"}
    assert env["wsgi.multithread"] == {"type": "bool", "value": True}
    assert env["wsgi.multiprocess"] == {"type": "bool", "value": False}
    assert env["wsgi.run_once"] == {"type": "bool", "value": False}
    assert env["wsgi.input_terminated"] == {"type": "bool", "value": True}
    assert env["_probes"]["input_methods"] == ["read", "readline", "readlines", "__iter__"]
    assert env["_probes"]["errors_methods"] == ["write", "writelines", "flush"]
    assert env["_probes"]["file_wrapper_callable"] is True


def test_remote_addr_and_port_are_the_clients(server):
    with server.connect() as s:
        http_request(s, "GET", "/")
        env = json.loads(ResponseReader(s, timeout=10 * SLACK).read().body)
        assert env["REMOTE_ADDR"]["value"] == "127.0.0.1"
        assert env["REMOTE_PORT"]["value"] == str(s.getsockname()[1])


def test_path_info_is_percent_decoded_then_latin1(server):
    env = environ_of(server, target="/caf%C3%A9")
    assert env["PATH_INFO"]["value"] == "caf\u00c3\u00a9".replace("caf", "/caf")
    assert env["_probes"]["path_info_latin1_hex"] == b"/caf\xc3\xa9".hex()


@pytest.mark.parametrize("target, path", [
    ("/a%2Fb%20c", "/a/b c"),
    ("/100%25", "/100%"),
    ("/plain/path/", "/plain/path/"),
    ("/%7euser", "/~user"),
])
def test_path_info_decoding(server, target, path):
    assert environ_of(server, target=target)["PATH_INFO"]["value"] == path


@pytest.mark.parametrize("target, query", [
    ("/q?a=%20b&c=d+e&caf%C3%A9", "a=%20b&c=d+e&caf%C3%A9"),
    ("/q?x=%2F&y=%25", "x=%2F&y=%25"),
    ("/q?", ""),
])
def test_query_string_is_raw(server, target, query):
    env = environ_of(server, target=target)
    assert env["QUERY_STRING"]["value"] == query
    assert env["PATH_INFO"]["value"] == "/q"


def test_query_string_empty_without_a_query(server):
    env = values(environ_of(server, target="/q"))
    assert env.get("QUERY_STRING", "") == ""


def test_server_name_and_port_from_host(server):
    v = values(environ_of(server, headers=[("Host", "example.com:8080")]))
    assert (v["SERVER_NAME"], v["SERVER_PORT"], v["HTTP_HOST"]) == ("example.com", "8080", "example.com:8080")


def test_server_name_and_port_without_host_are_the_listeners(server):
    with server.connect() as s:
        s.sendall(b"GET /nohost HTTP/1.0\r\n\r\n")
        r = ResponseReader(s, timeout=10 * SLACK).read()
    v = values(json.loads(r.body))
    assert v["SERVER_PROTOCOL"] == "HTTP/1.0"
    assert "HTTP_HOST" not in v
    assert v["SERVER_NAME"] == "127.0.0.1"
    assert v["SERVER_PORT"] == str(server.port)


def test_content_type_and_length_have_no_http_prefix(server):
    env = environ_of(server, "POST", "/post", [("Content-Type", "text/plain; charset=utf-8"),
                                               ("Content-Length", "5")], b"hello")
    v = values(env)
    assert v["CONTENT_TYPE"] == "text/plain; charset=utf-8"
    assert v["CONTENT_LENGTH"] == "5"
    assert env["CONTENT_LENGTH"]["type"] == "str"
    assert "HTTP_CONTENT_TYPE" not in v
    assert "HTTP_CONTENT_LENGTH" not in v
    assert v["REQUEST_METHOD"] == "POST"


def test_chunked_request_has_no_content_length(server):
    env = values(environ_of(server, "POST", "/chunked", [("Transfer-Encoding", "chunked")],
                            b"5\r\nhello\r\n0\r\n\r\n"))
    assert env.get("CONTENT_LENGTH", "") == ""
    assert "HTTP_CONTENT_LENGTH" not in env


def test_get_without_body_has_no_content_length(server):
    v = values(environ_of(server))
    assert v.get("CONTENT_LENGTH", "") in ("", "0")
    assert "HTTP_CONTENT_TYPE" not in v and "HTTP_CONTENT_LENGTH" not in v


def test_headers_map_to_http_keys(server):
    v = values(environ_of(server, headers=[("User-Agent", "pep3333-test"), ("Accept-Language", "fr"),
                                           ("x-lower-case", "yes")]))
    assert v["HTTP_USER_AGENT"] == "pep3333-test"
    assert v["HTTP_ACCEPT_LANGUAGE"] == "fr"
    assert v["HTTP_X_LOWER_CASE"] == "yes"


def test_repeated_headers_are_joined_with_commas(server):
    v = values(environ_of(server, headers=[("X-Multi", "a"), ("Accept", "text/html"), ("X-Multi", "b"),
                                           ("X-Multi", "c d")]))
    assert v["HTTP_X_MULTI"] == "a,b,c d"
    assert v["HTTP_ACCEPT"] == "text/html"


def test_header_values_are_latin1(server):
    with server.connect() as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nX-Latin: caf\xe9\r\n\r\n")
        r = ResponseReader(s, timeout=10 * SLACK).read()
    assert r.status == 200
    assert json.loads(r.body)["HTTP_X_LATIN"]["value"] == "caf\u00e9"


@pytest.mark.parametrize("headers", [
    [("X-Forwarded-For", "10.0.0.1"), ("X_Forwarded_For", "evil")],
    [("X_Forwarded_For", "evil"), ("X-Forwarded-For", "10.0.0.1")],
])
def test_underscore_headers_never_alias_dashed_ones(server, headers):
    v = values(environ_of(server, headers=headers))
    assert v["HTTP_X_FORWARDED_FOR"] == "10.0.0.1"
    assert not any("evil" in str(value) for value in v.values())


def test_underscore_header_alone_is_dropped(server):
    v = values(environ_of(server, headers=[("X_Forwarded_For", "evil"), ("X_Real_IP", "6.6.6.6")]))
    assert "HTTP_X_FORWARDED_FOR" not in v
    assert "HTTP_X_REAL_IP" not in v
    assert not any("evil" in str(value) or "6.6.6.6" in str(value) for value in v.values())


@pytest.fixture(scope="module")
def mounted():
    yield from serve("environ_app:app", "--script-name", "/mnt")


@pytest.mark.parametrize("target, script_name, path_info", [
    ("/mnt/x/y", "/mnt", "/x/y"),
    ("/mnt", "/mnt", ""),
    ("/mnt/", "/mnt", "/"),
])
def test_script_name_prefix(mounted, target, script_name, path_info):
    v = values(environ_of(mounted, target=target))
    assert (v["SCRIPT_NAME"], v["PATH_INFO"]) == (script_name, path_info)


def test_script_name_matches_whole_segments_only(mounted):
    """/mntx is outside the /mnt mount: SCRIPT_NAME + PATH_INFO must still be the request path."""
    v = values(environ_of(mounted, target="/mntx"))
    assert (v["SCRIPT_NAME"], v["PATH_INFO"]) == ("", "/mntx")


def test_multiprocess_is_true_with_two_workers():
    gen = serve("environ_app:app", "-w", "2")
    server = next(gen)
    try:
        env = requests.get(server.url + "/").json()
        assert env["wsgi.multiprocess"] == {"type": "bool", "value": True}
        assert env["wsgi.multithread"] == {"type": "bool", "value": True}
    finally:
        next(gen, None)  # runs the generator's stop-and-check part (close() would skip it)


def test_a_target_in_absolute_form_reaches_the_app_as_its_path_with_its_authority_as_host(server):
    # RFC 9112 3.2.2: a server MUST accept the absolute form and take the host from it, ignoring Host.
    v = values(environ_of(server, target="http://example.com:8080/some/path?x=1", headers=[("Host", "other")]))
    assert (v["PATH_INFO"], v["QUERY_STRING"]) == ("/some/path", "x=1")
    assert (v["HTTP_HOST"], v["SERVER_NAME"], v["SERVER_PORT"]) == ("example.com:8080", "example.com", "8080")
    assert values(environ_of(server, target="HTTP://example.com"))["PATH_INFO"] == "/"
    assert exchange(server, "GET", "ftp://example.com/x").status == 400


def test_any_token_is_a_method_and_reaches_the_app(server):
    # RFC 9110 9.1: WebDAV's methods and custom ones reach the app (Django and Flask route them); a method that is not
    # a token is a 400.
    for method in ("PROPFIND", "MKCALENDAR", "FOO-BAR", "get", "PURGE"):
        assert values(environ_of(server, method=method))["REQUEST_METHOD"] == method
    for method in ("GE(T", "G\x7fT"):
        assert exchange(server, method, "/").status == 400


def test_the_asterisk_form_is_for_options_and_a_fragment_is_refused(server):
    # RFC 9112 3.2: "*" is OPTIONS's target alone; a client never sends a fragment, which must not reach QUERY_STRING.
    v = values(environ_of(server, method="OPTIONS", target="*"))
    assert (v["REQUEST_METHOD"], v["PATH_INFO"]) == ("OPTIONS", "*")
    assert exchange(server, "GET", "*").status == 400
    for target in ("/p#frag", "/p?x=1#frag", "http://example.com/p#frag"):
        answer = exchange(server, "GET", target)
        assert answer.status == 400 and b"fragment" in answer.body, (target, answer)
