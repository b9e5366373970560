"""The site sample (samples/site) through Python requests: login sets a signed cookie that Tornado 6.2 reads, the
greeting escapes a hostile name, every form needs its XSRF token, uploads are listed, static files have versioned
URLs, and pages and static files go out compressed."""
import re

import brotli
import pytest
import requests
from tornado.web import create_signed_value, decode_signed_value

SECRET = "the site sample's secret for the tests"


@pytest.fixture
def site(server_factory):
    return server_factory("site", "--threads", "2", "--cookie-secret", SECRET)


def xsrf_field(html):
    return re.search(r'<input type="hidden" name="_xsrf" value="([^"]+)"/>', html).group(1)


def logged_in(site, name):
    """A requests session logged in as name, and the page / showed after the redirect."""
    s = requests.Session()
    token = xsrf_field(s.get(site.url + "/login", timeout=10).text)
    r = s.post(site.url + "/login", data={"_xsrf": token, "name": name}, timeout=10)
    return s, r


def test_home_redirects_to_login_without_the_cookie(site):
    r = requests.get(site.url + "/", allow_redirects=False, timeout=10)
    assert (r.status_code, r.headers["location"]) == (302, "/login")


def test_login_form_is_a_template_with_the_xsrf_field(site):
    r = requests.get(site.url + "/login", timeout=10)
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=UTF-8"
    assert '<form method="post" action="/login" id="login">' in r.text
    assert xsrf_field(r.text) and r.cookies.get("_xsrf")


def test_login_sets_a_signed_cookie_tornado_reads_and_greets(site):
    s, r = logged_in(site, "Ada")
    assert r.status_code == 200 and r.url == site.url + "/"
    assert [h.status_code for h in r.history] == [302]
    assert '<h1 id="greeting">Hello, Ada</h1>' in r.text
    cookie = s.cookies.get("user")
    assert decode_signed_value(SECRET, "user", cookie) == b"Ada"
    assert decode_signed_value("another secret", "user", cookie) is None


def test_a_cookie_signed_by_tornado_logs_in(site):
    value = create_signed_value(SECRET, "user", "Grace").decode()
    r = requests.get(site.url + "/", cookies={"user": value}, timeout=10)
    assert '<h1 id="greeting">Hello, Grace</h1>' in r.text


def test_a_forged_cookie_is_sent_to_login(site):
    value = create_signed_value("not the secret", "user", "Mallory").decode()
    r = requests.get(site.url + "/", cookies={"user": value}, allow_redirects=False, timeout=10)
    assert (r.status_code, r.headers["location"]) == (302, "/login")


def test_a_hostile_name_is_escaped(site):
    name = "<script>alert('x')</script>&"
    s, r = logged_in(site, name)
    assert decode_signed_value(SECRET, "user", s.cookies.get("user")) == name.encode()
    assert "<script>alert" not in r.text
    assert "Hello, &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</h1>" in r.text


def test_post_without_the_xsrf_token_is_403(site):
    r = requests.post(site.url + "/login", data={"name": "Ada"}, allow_redirects=False, timeout=10)
    assert r.status_code == 403
    assert "user" not in r.cookies
    s = requests.Session()
    s.get(site.url + "/login", timeout=10)  # the _xsrf cookie, but no token in the form
    r = s.post(site.url + "/login", data={"name": "Ada", "_xsrf": "2|00|00|00"}, allow_redirects=False, timeout=10)
    assert r.status_code == 403


def test_an_empty_name_is_a_400_with_the_form_again(site):
    s = requests.Session()
    token = xsrf_field(s.get(site.url + "/login", timeout=10).text)
    r = s.post(site.url + "/login", data={"_xsrf": token, "name": "  "}, allow_redirects=False, timeout=10)
    assert r.status_code == 400
    assert '<p class="error" id="error">A name is 1 to 64 bytes.</p>' in r.text
    assert "user" not in r.cookies


def test_upload_lists_the_files(site):
    s, home = logged_in(site, "Ada")
    token = xsrf_field(home.text)
    files = [("file", ("notes <1>.txt", b"hello\n" * 1000, "text/plain")),
             ("file", ("pixel.bin", bytes(range(256)) * 4096, "application/octet-stream"))]
    r = s.post(site.url + "/upload", data={"_xsrf": token}, files=files, timeout=30)
    assert r.status_code == 200
    rows = re.findall(r'<tr class="file"><td>(.*?)</td><td>(.*?)</td><td>(\d+)</td></tr>', r.text)
    assert rows == [("notes &lt;1&gt;.txt", "text/plain", "6000"), ("pixel.bin", "application/octet-stream", "1048576")]


def test_upload_needs_the_token_and_a_login(site):
    s, home = logged_in(site, "Ada")
    r = s.post(site.url + "/upload", files={"file": ("a.txt", b"a")}, timeout=10)
    assert r.status_code == 403
    anonymous = requests.Session()
    token = xsrf_field(anonymous.get(site.url + "/login", timeout=10).text)
    r = anonymous.post(site.url + "/upload", data={"_xsrf": token}, files={"file": ("a.txt", b"a")},
                       allow_redirects=False, timeout=10)
    assert (r.status_code, r.headers["location"]) == (302, "/login")


def test_static_files_have_versioned_urls(site):
    s, home = logged_in(site, "Ada")
    css = re.search(r'<link rel="stylesheet" href="(/static/site\.css\?v=[0-9a-f]{32})">', home.text).group(1)
    js = re.search(r'<script src="(/static/site\.js\?v=[0-9a-f]{32})" defer></script>', home.text).group(1)
    r = requests.get(site.url + css, timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert r.headers["cache-control"] == "max-age=315360000"
    assert "background: rgb(240, 248, 255)" in r.text
    assert requests.get(site.url + js, timeout=10).headers["content-type"].startswith(("text/javascript",
                                                                                      "application/javascript"))


def test_logout_clears_the_cookie(site):
    s, home = logged_in(site, "Ada")
    r = s.post(site.url + "/logout", data={"_xsrf": xsrf_field(home.text)}, timeout=10)
    assert r.url == site.url + "/login"
    assert "user" not in s.cookies


def test_pages_and_static_files_are_compressed(site):
    s, _ = logged_in(site, "Ada")
    home = s.get(site.url + "/", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert home.headers["content-encoding"] == "gzip" and "Hello, Ada" in home.text  # decoded by requests
    assert "Accept-Encoding" in home.headers["vary"]
    css = re.search(r'href="(/static/site\.css\?v=[0-9a-f]{32})"', home.text).group(1)
    r = requests.get(site.url + css, headers={"Accept-Encoding": "br"}, stream=True, timeout=10)
    assert r.headers["content-encoding"] == "br"
    encoded = r.raw.read(decode_content=False)
    plain = requests.get(site.url + css, headers={"Accept-Encoding": "identity"}, timeout=10)
    assert "content-encoding" not in plain.headers and "background: rgb(240, 248, 255)" in plain.text
    assert brotli.decompress(encoded).decode() == plain.text
