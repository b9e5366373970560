"""Templates end to end (tests/native/native_test_app.cpp's /template routes): render() with escaping, partials and
lists, the xsrf_form_html and static_url helpers, the cache, and a missing or malformed template answered 500 with a
clear line in the server's log."""
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

TEMPLATES = {
    "page.html": "<h1>Hello, {{who}}</h1>{{> part.html}}<ul>{{#tags}}<li>{{.}}</li>{{/tags}}</ul>"
                 "{{^tags}}<p>no tags</p>{{/tags}}<div>{{{who}}}</div>",
    "part.html": "<p>part for {{who}}</p>",
    "form.html": '<form method="post" action="/template?name=form.html">{{{xsrf_form_html}}}</form>{{who}}',
    "static.html": '<link rel="stylesheet" href="{{#static_url}}site.css{{/static_url}}">',
    "broken.html": "<p>{{#tags}}never closed</p>",
    "uses-missing.html": "{{> nowhere.html}}",
    "cached.html": "first version",
}


@pytest.fixture
def template_dir(tmp_path):
    for name, text in TEMPLATES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "site.css").write_text("body { color: teal }\n")
    return tmp_path


@pytest.fixture
def app(server_factory, template_dir):
    return server_factory("native_test_app", "--threads", "2", "--template-path", str(template_dir),
                          "--static-path", str(template_dir / "static"), "--cookie-secret", "s" * 32,
                          "--xsrf-cookies")


def render(app, name, **params):
    return requests.get(app.url + "/template", params={"name": name, **params}, timeout=10)


def test_render_escapes_values_and_includes_partials(app):
    r = render(app, "page.html", who="<script>alert('x')</script> & co", tags=["a<b", "c"])
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=UTF-8"
    escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"
    assert r.text == (f"<h1>Hello, {escaped}</h1><p>part for {escaped}</p><ul><li>a&lt;b</li><li>c</li></ul>"
                      "<div><script>alert('x')</script> & co</div>")


def test_an_empty_list_opens_the_inverted_section(app):
    assert render(app, "page.html", who="x").text == ("<h1>Hello, x</h1><p>part for x</p><ul></ul><p>no tags</p>"
                                                      "<div>x</div>")


def test_render_string_gives_the_page_to_the_handler(app):
    r = requests.get(app.url + "/template/string", params={"name": "part.html"}, timeout=10)
    assert r.json() == {"page": "<p>part for &lt;json&gt;</p>"}


def test_xsrf_form_html_in_a_template_round_trips(app):
    s = requests.Session()
    r = s.get(app.url + "/template", params={"name": "form.html"}, timeout=10)
    token = re.search(r'<input type="hidden" name="_xsrf" value="([^"]+)"/>', r.text).group(1)
    assert s.cookies.get("_xsrf")
    r = s.post(app.url + "/template?name=form.html", data={"_xsrf": token, "who": "posted"}, timeout=10)
    assert r.status_code == 200 and r.text.endswith("</form>posted")
    r = requests.post(app.url + "/template?name=form.html", data={"who": "forged"}, timeout=10)
    assert r.status_code == 403


def test_a_template_without_a_form_sets_no_xsrf_cookie(app):
    assert "_xsrf" not in render(app, "part.html").cookies


def test_static_url_in_a_template_is_versioned_and_served(app):
    r = render(app, "static.html")
    href = re.fullmatch(r'<link rel="stylesheet" href="([^"]+)">', r.text).group(1)
    assert re.fullmatch(r"/static/site\.css\?v=[0-9a-f]{32}", href)
    css = requests.get(app.url + href, timeout=10)
    assert css.status_code == 200 and css.text == "body { color: teal }\n"


def test_templates_are_read_once(app, template_dir):
    assert render(app, "cached.html").text == "first version"
    (template_dir / "cached.html").write_text("second version")
    for _ in range(4):  # whichever loop thread answers
        assert render(app, "cached.html").text == "first version"


def test_every_loop_renders_a_template_read_at_once(app):
    """Clients on both loop threads ask for templates nobody read yet: the first reads race for the cache."""
    def fetch(i):
        name = ("page.html", "part.html")[i % 2]
        return name, render(app, name, who=str(i % 2)).text

    with ThreadPoolExecutor(16) as pool:
        pages = list(pool.map(fetch, range(200)))
    assert {text for name, text in pages if name == "part.html"} == {"<p>part for 1</p>"}
    assert {text for name, text in pages if name == "page.html"} == {
        "<h1>Hello, 0</h1><p>part for 0</p><ul></ul><p>no tags</p><div>0</div>"}


@pytest.mark.parametrize("name, logged", [
    ("absent.html", "template {dir}/absent.html not found"),
    ("uses-missing.html", "template {dir}/nowhere.html not found"),
    ("broken.html", "template {dir}/broken.html: "),
    ("../outside.html", 'template name "../outside.html" is not a path inside the template directory'),
])
def test_a_template_that_cannot_render_is_a_500_with_a_clear_log_line(app, template_dir, name, logged):
    r = render(app, name)
    assert r.status_code == 500
    assert r.text == "<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>"
    assert "template" not in r.text  # no detail for the client without the debug setting
    line = logged.format(dir=template_dir)
    deadline = time.monotonic() + 5
    while line not in app.error_log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert line in app.error_log()


def test_without_a_template_path_render_is_a_500(server_factory):
    app = server_factory("native_test_app", "--threads", "1")
    assert render(app, "page.html").status_code == 500
