"""Native cookies end to end (tests/native/native_test_app.cpp): set/get/clear through real clients, Set-Cookie as
Python's http.cookies writes it, injection attempts refused, the Cookie header read as Tornado reads it; signed cookies
passing both ways between updraft and Tornado 6.2 (Debian's python3-tornado, in this process); XSRF protection."""
import binascii
import calendar
import http.client
import http.cookies
import json
import socket
import time
from urllib.parse import urlencode

import pytest
import requests
from tornado.httputil import HTTPHeaders, HTTPServerRequest
from tornado.util import _websocket_mask
from tornado.web import create_signed_value, decode_signed_value

from support import RawWebSocket, ResponseReader, exchange

SECRET = "a long random secret for the tests"
DAY = 86400


@pytest.fixture
def app(server_factory):
    return server_factory("native_test_app", "--threads", "1", "--cookie-secret", SECRET)


@pytest.fixture
def rotated_app(server_factory):
    """cookie_secret {1: "old secret", 2: "new secret"}, signing with key version 2."""
    return server_factory("native_test_app", "--threads", "1", "--versioned-cookie-secret", "1", "old secret",
                          "--versioned-cookie-secret", "2", "new secret", "--key-version", "2")


@pytest.fixture
def xsrf_app(server_factory):
    return server_factory("native_test_app", "--threads", "1", "--cookie-secret", SECRET, "--xsrf-cookies")


def fetch(server, path, method="GET", headers=None, body=None):
    """(status, the Set-Cookie values in order, the other headers lower-cased, body) over http.client."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        others = {k.lower(): v for k, v in r.getheaders() if k.lower() != "set-cookie"}
        return r.status, r.msg.get_all("Set-Cookie") or [], others, body
    finally:
        conn.close()


def expiry(set_cookie):
    """The Expires of a Set-Cookie value, in seconds from the epoch."""
    morsel = next(iter(http.cookies.SimpleCookie(set_cookie).values()))
    return calendar.timegm(time.strptime(morsel["expires"], "%a, %d %b %Y %H:%M:%S GMT"))


def tornado_cookies(header):
    """What Tornado's request.cookies holds for this Cookie header, as a dict."""
    headers = HTTPHeaders()
    headers.add("Cookie", header)
    return {k: m.value for k, m in HTTPServerRequest(method="GET", uri="/", headers=headers).cookies.items()}


# --- cookies ------------------------------------------------------------------------------------

def test_set_get_clear_round_trip_in_a_session(app):
    s = requests.Session()
    r = s.get(app.url + "/cookies/set?name=flavor&value=oatmeal")
    assert (r.status_code, r.text) == (200, "set")
    assert s.cookies.get("flavor") == "oatmeal"
    assert s.get(app.url + "/cookies/get?name=flavor").json() == {"value": "oatmeal"}
    assert s.get(app.url + "/cookies/get?name=other").json() == {"value": None}
    s.get(app.url + "/cookies/set?name=second&value=2")
    assert s.get(app.url + "/cookies").json() == {"flavor": "oatmeal", "second": "2"}

    r = s.get(app.url + "/cookies/clear?name=flavor")
    assert (r.status_code, r.text) == (200, "cleared")
    assert "flavor" not in s.cookies
    assert s.get(app.url + "/cookies/get?name=flavor").json() == {"value": None}
    assert s.get(app.url + "/cookies").json() == {"second": "2"}


def test_set_cookie_attributes_are_written_as_python_writes_them(app):
    query = urlencode({"name": "n", "value": "v", "path": "/app", "domain": "example.com", "max_age": "60",
                       "secure": "1", "httponly": "1", "samesite": "strict"})
    status, cookies, _, _ = fetch(app, "/cookies/set?" + query)
    assert status == 200 and len(cookies) == 1
    morsel = http.cookies.SimpleCookie(cookies[0])["n"]
    assert morsel.value == "v"
    assert (morsel["path"], morsel["domain"], morsel["max-age"], morsel["samesite"]) == \
        ("/app", "example.com", "60", "Strict")
    assert morsel["secure"] and morsel["httponly"]
    assert morsel.OutputString() == cookies[0]  # the same attributes in the same order and spelling

    status, cookies, _, _ = fetch(app, "/cookies/set?name=n&value=v&expires_days=2")
    assert abs(expiry(cookies[0]) - (time.time() + 2 * DAY)) < 60

    status, cookies, _, _ = fetch(app, "/cookies/clear?name=n&path=/app&domain=example.com")
    morsel = http.cookies.SimpleCookie(cookies[0])["n"]
    assert (morsel.value, morsel["path"], morsel["domain"]) == ("", "/app", "example.com")
    assert abs(expiry(cookies[0]) - (time.time() - 365 * DAY)) < 60


def test_setting_a_name_again_replaces_it_and_an_error_page_keeps_the_cookies(app):
    status, cookies, _, _ = fetch(app, "/cookies/set?name=a&value=1&then=2")
    assert (status, cookies) == (200, ["a=2; Path=/"])
    status, cookies, _, _ = fetch(app, "/cookies/set?name=a&value=1&fail=1")
    assert (status, cookies) == (400, ["a=1; Path=/"])  # as Tornado: cookies survive send_error


@pytest.mark.parametrize("query", [
    {"name": "n", "value": "x\r\nX-Injected: yes"},
    {"name": "n", "value": "x\nX-Injected: yes"},
    {"name": "n", "value": "x; Domain=evil.example"},
    {"name": "n\r\nX-Injected: yes", "value": "x"},
    {"name": "n=x; X-Injected", "value": "x"},
    {"name": "Path", "value": "x"},
    {"name": "n", "value": "x", "path": "/; Domain=evil.example"},
    {"name": "n", "value": "x", "path": "/\r\nX-Injected: yes"},
    {"name": "n", "value": "x", "domain": "a.example\r\nX-Injected: yes"},
    {"name": "n", "value": "x", "samesite": "Lax\r\nX-Injected: yes"},
])
def test_an_injection_attempt_is_a_500_with_no_cookie_and_no_injected_header(app, query):
    status, cookies, headers, body = fetch(app, "/cookies/set?" + urlencode(query))
    assert status == 500
    assert cookies == []
    assert "x-injected" not in headers
    assert b"X-Injected" not in body and b"evil" not in body
    assert "invalid cookie" in app.error_log()


@pytest.mark.parametrize("header", [
    "a=1; b=2",
    " a = 1 ;b=  \"x y\" ",
    "noequals; c=3; =v; ;;",
    "a=1; a=2; b=3",
    "path=/; Secure; HttpOnly=1; e=5",
    "x:y=1; bad name=2; [x]=3; ok=\"a\\\"b\\073c\\\\d\"",
    "q=\"\\400\"; r=\"\\\"; s=\"unterminated; t=\"\"; u=a=b=c",
    "session=2|1:0|10:1300000000|4:user|4:QW5u|862b; _xsrf=2|01020304|0103|1300000000",
])
def test_the_cookie_header_reads_as_tornado_reads_it(app, header):
    r = exchange(app, "GET", "/cookies", [("Cookie", header)])
    assert r.status == 200
    assert json.loads(r.body) == tornado_cookies(header)


def test_several_cookie_fields_are_one_list(app):
    r = exchange(app, "GET", "/cookies", [("Cookie", "a=1; b=2"), ("Cookie", "c=3"), ("cookie", "a=4")])
    assert json.loads(r.body) == {"a": "4", "b": "2", "c": "3"}


def test_a_hostile_cookie_header_sent_byte_by_byte_reads_as_sent_whole(app):
    header = ";" * 200 + "=" * 100 + "\"\\\\\"; b=\"\\377\\0\"" + "\\" * 300 + "; a=" + "\"" * 200 + "; ok=1"
    whole = exchange(app, "GET", "/cookies", [("Cookie", header)])
    assert whole.status == 200
    assert json.loads(whole.body) == tornado_cookies(header)
    request = f"GET /cookies HTTP/1.1\r\nHost: test\r\nCookie: {header}\r\n\r\n".encode()
    with app.connect() as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(len(request)):
            s.sendall(request[i:i + 1])
        split = ResponseReader(s).read()
    assert (split.status, split.body) == (whole.status, whole.body)


def test_a_websocket_handshake_carries_the_cookies_prepare_set(app):
    ws = RawWebSocket(app, path="/ws/cookie")
    assert "\r\nSet-Cookie: ws=opened; Path=/" in ws.head
    ws.sock.close()


# --- signed cookies ---------------------------------------------------------------------------

def test_a_cookie_signed_by_updraft_verifies_in_tornado(app):
    s = requests.Session()
    r = s.get(app.url + "/cookies/signed/set?" + urlencode({"name": "user", "value": "Ann Lee <ann@example.com>"}))
    assert r.status_code == 200
    value = s.cookies.get("user")
    assert value.startswith("2|1:0|10:")
    assert decode_signed_value(SECRET, "user", value) == b"Ann Lee <ann@example.com>"
    assert decode_signed_value(SECRET, "other", value) is None
    assert decode_signed_value(SECRET + "x", "user", value) is None
    r = s.get(app.url + "/cookies/signed/get?name=user")
    assert (r.headers["X-Signed-Cookie"], r.text) == ("valid", "Ann Lee <ann@example.com>")


def test_a_signed_cookie_expires_in_30_days_by_default_or_with_the_session(app):
    _, cookies, _, _ = fetch(app, "/cookies/signed/set?name=user&value=x")
    assert abs(expiry(cookies[0]) - (time.time() + 30 * DAY)) < 60
    _, cookies, _, _ = fetch(app, "/cookies/signed/set?name=user&value=x&expires_days=session")
    assert "expires" not in cookies[0]


def test_a_value_signed_by_tornado_is_accepted_by_updraft_any_bytes_included(app):
    for value in [b"Ann", "Zoë ✓".encode(), bytes(range(256)), b""]:
        signed = create_signed_value(SECRET, "user", value).decode()
        status, _, headers, body = fetch(app, "/cookies/signed/get?name=user", headers={"Cookie": f"user={signed}"})
        assert (status, headers["x-signed-cookie"], body) == (200, "valid", value)


def signed_cookie_check(server, cookie_value, name="user", max_age_days=31):
    _, _, headers, body = fetch(server, f"/cookies/signed/get?name={name}&max_age_days={max_age_days}",
                                headers={"Cookie": f"{name}={cookie_value}"})
    return headers["x-signed-cookie"], body


def test_forged_renamed_and_expired_signed_cookies_are_rejected(app):
    good = create_signed_value(SECRET, "user", "Ann").decode()
    assert signed_cookie_check(app, good) == ("valid", b"Ann")

    forged = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert signed_cookie_check(app, forged) == ("invalid", b"")
    bob = good.replace("|4:QW5u|", "|4:Qm9i|")  # "Bob" with Ann's signature
    assert signed_cookie_check(app, bob) == ("invalid", b"")
    assert signed_cookie_check(app, create_signed_value("another secret", "user", "Ann").decode()) == ("invalid", b"")

    admin = create_signed_value(SECRET, "user", "Ann").decode()
    assert signed_cookie_check(app, admin, name="admin") == ("invalid", b"")

    old = create_signed_value(SECRET, "user", "Ann", clock=lambda: time.time() - 32 * DAY).decode()
    assert signed_cookie_check(app, old) == ("invalid", b"")
    assert signed_cookie_check(app, old, max_age_days=40) == ("valid", b"Ann")
    week_old = create_signed_value(SECRET, "user", "Ann", clock=lambda: time.time() - 7 * DAY).decode()
    assert signed_cookie_check(app, week_old, max_age_days=5) == ("invalid", b"")

    assert signed_cookie_check(app, "not signed at all") == ("invalid", b"")
    v1 = create_signed_value(SECRET, "user", "Ann", version=1).decode()
    assert signed_cookie_check(app, v1) == ("invalid", b"")  # version 1 (HMAC-SHA1) is not accepted


def test_key_rotation_and_a_wrong_key_version(rotated_app):
    secrets = {1: "old secret", 2: "new secret"}
    signed_with_old = create_signed_value(secrets, "user", "Ann", key_version=1).decode()
    assert signed_cookie_check(rotated_app, signed_with_old) == ("valid", b"Ann")
    unknown_version = create_signed_value({3: "old secret"}, "user", "Ann", key_version=3).decode()
    assert signed_cookie_check(rotated_app, unknown_version) == ("invalid", b"")
    swapped = create_signed_value({2: "old secret"}, "user", "Ann", key_version=2).decode()
    assert signed_cookie_check(rotated_app, swapped) == ("invalid", b"")

    s = requests.Session()
    s.get(rotated_app.url + "/cookies/signed/set?name=user&value=Bo")
    value = s.cookies.get("user")
    assert value.startswith("2|1:2|")
    assert decode_signed_value(secrets, "user", value) == b"Bo"
    assert decode_signed_value({2: "old secret"}, "user", value) is None


# --- XSRF -------------------------------------------------------------------------------------

def xsrf_session(server):
    """A requests session that loaded the form: (session, the form's token)."""
    s = requests.Session()
    r = s.get(server.url + "/xsrf/form")
    assert r.status_code == 200
    lines = r.text.split("\n")
    assert lines[1] == lines[2]  # the same token all through a request
    return s, lines[1]


def unmask(token):
    """The raw token behind a version-2 token, unmasked with Tornado's own function."""
    version, mask, masked, timestamp = token.split("|")
    assert version == "2" and len(mask) == 8 and len(masked) == 32 and abs(int(timestamp) - time.time()) < 600
    return _websocket_mask(binascii.a2b_hex(mask), binascii.a2b_hex(masked))


def test_the_form_carries_a_masked_token_of_the_xsrf_cookie(xsrf_app):
    s, token = xsrf_session(xsrf_app)
    r = s.get(xsrf_app.url + "/xsrf/form")
    assert f'<input type="hidden" name="_xsrf" value="{r.text.split(chr(10))[1]}"/>' in r.text
    cookie = s.cookies.get("_xsrf")
    assert cookie and unmask(cookie) == unmask(token)
    assert r.text.split("\n")[1] != token  # a fresh mask per request
    assert unmask(r.text.split("\n")[1]) == unmask(token)
    assert "Set-Cookie" not in r.headers  # the cookie was there: it is kept


def test_a_post_without_a_token_is_403_with_a_clear_message(xsrf_app):
    s, _ = xsrf_session(xsrf_app)
    r = s.post(xsrf_app.url + "/xsrf/form", data={"field": "x"})
    assert r.status_code == 403
    assert "XSRF token missing" in r.text
    r = requests.post(xsrf_app.url + "/xsrf/form", data={"field": "x"})
    assert r.status_code == 403


def test_a_post_with_the_cookie_and_the_form_field_or_a_header_passes(xsrf_app):
    s, token = xsrf_session(xsrf_app)
    r = s.post(xsrf_app.url + "/xsrf/form", data={"field": "hello", "_xsrf": token})
    assert (r.status_code, r.text) == (200, "post hello")
    r = s.post(xsrf_app.url + "/xsrf/form?" + urlencode({"_xsrf": token}), data={"field": "in query"})
    assert (r.status_code, r.text) == (200, "post in query")
    for header in ("X-XSRFToken", "X-CSRFToken"):
        r = s.post(xsrf_app.url + "/xsrf/form", data={"field": header}, headers={header: token})
        assert (r.status_code, r.text) == (200, "post " + header)
    r = s.put(xsrf_app.url + "/xsrf/form", headers={"X-XSRFToken": token})
    assert (r.status_code, r.text) == (200, "put ")
    r = s.delete(xsrf_app.url + "/xsrf/form", headers={"X-XSRFToken": s.cookies.get("_xsrf")})
    assert (r.status_code, r.text) == (200, "delete ")  # the cookie's own value is a token too


def test_a_multipart_form_carries_the_token_in_its_fields(xsrf_app):
    s, token = xsrf_session(xsrf_app)
    r = s.post(xsrf_app.url + "/xsrf/form", files={"_xsrf": (None, token), "field": (None, "uploaded")})
    assert (r.status_code, r.text) == (200, "post uploaded")
    r = s.post(xsrf_app.url + "/xsrf/form", files={"field": (None, "no token")})
    assert r.status_code == 403


def test_a_token_from_another_cookie_is_403(xsrf_app):
    s, _ = xsrf_session(xsrf_app)
    _, other_token = xsrf_session(xsrf_app)
    r = s.post(xsrf_app.url + "/xsrf/form", data={"field": "x", "_xsrf": other_token})
    assert r.status_code == 403
    assert "does not match" in r.text
    r = s.post(xsrf_app.url + "/xsrf/form", headers={"X-XSRFToken": other_token})
    assert r.status_code == 403
    r = requests.post(xsrf_app.url + "/xsrf/form", data={"_xsrf": other_token})  # a token but no cookie
    assert r.status_code == 403


def test_a_malformed_token_is_403(xsrf_app):
    s, token = xsrf_session(xsrf_app)
    for bad in ("2|zz|00|1", "3|" + token[2:], "2|01020304||1", token[:-1] + "|"):
        r = s.post(xsrf_app.url + "/xsrf/form", data={"_xsrf": bad})
        assert r.status_code == 403, bad


def test_safe_methods_and_an_opted_out_handler_need_no_token(xsrf_app):
    assert requests.options(xsrf_app.url + "/xsrf/form").text == "options "
    assert requests.head(xsrf_app.url + "/xsrf/form").status_code == 200
    r = requests.post(xsrf_app.url + "/xsrf/exempt")
    assert (r.status_code, r.text) == (200, "exempt")


def test_without_the_setting_posts_are_not_checked(app):
    r = requests.post(app.url + "/xsrf/form", data={"field": "free"})
    assert (r.status_code, r.text) == (200, "post free")


def test_a_token_made_by_tornados_scheme_passes(xsrf_app):
    """A cookie and a token masked as Tornado's xsrf_token masks them (tornado.util._websocket_mask)."""
    raw = bytes(range(16))
    def tornado_token(mask):
        return b"|".join([b"2", binascii.b2a_hex(mask), binascii.b2a_hex(_websocket_mask(mask, raw)),
                          b"1300000000"]).decode()
    cookie, token = tornado_token(b"\x01\x02\x03\x04"), tornado_token(b"\xaa\xbb\xcc\xdd")
    status, _, _, body = fetch(xsrf_app, "/xsrf/form", "POST", body=urlencode({"_xsrf": token, "field": "t"}),
                               headers={"Cookie": f"_xsrf={cookie}",
                                        "Content-Type": "application/x-www-form-urlencoded"})
    assert (status, body) == (200, b"post t")
    hex_v1 = binascii.b2a_hex(raw).decode()  # Tornado's version 1: the token in hex
    status, _, _, _ = fetch(xsrf_app, "/xsrf/form", "POST", headers={"Cookie": f"_xsrf={cookie}",
                                                                      "X-XSRFToken": hex_v1})
    assert status == 200
