"""End-to-end tests of samples/django under the updraft command: admin, a CSRF-protected form, sessions, static files."""
import os
import re
import sqlite3
import subprocess

import django
import pytest
import requests

from support import DJANGO_DIR, DJANGO_STATIC_DIR, start_updraft

ADMIN_USER, ADMIN_PASSWORD = "admin", "s3cret-updraft-pw"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def manage(*args, env):
    """Runs samples/django/manage.py with Debian's python3; fails the test with its output if it fails."""
    done = subprocess.run(["/usr/bin/python3", "manage.py", *args], cwd=DJANGO_DIR, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def form_token(html):
    m = TOKEN.search(html)
    assert m, "no csrfmiddlewaretoken in the page"
    return m.group(1)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    """A migrated SQLite database in a temporary directory, with a superuser."""
    path = str(tmp_path_factory.mktemp("django") / "db.sqlite3")
    env = {**os.environ, "DJANGO_DB_PATH": path, "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD}
    manage("migrate", "--noinput", env=env)
    manage("createsuperuser", "--noinput", "--username", ADMIN_USER, "--email", "admin@example.com", env=env)
    return path


@pytest.fixture(scope="module")
def site(db_path):
    assert os.path.isfile(os.path.join(DJANGO_STATIC_DIR, "admin", "css", "base.css")), "build the django_static target"
    server = start_updraft("mysite.wsgi:application", "--threads", "4", "--static-map", f"/static/={DJANGO_STATIC_DIR}",
                           chdir=DJANGO_DIR, pythonpath=None, env={"DJANGO_DB_PATH": db_path})
    yield server
    code = server.stop()
    assert code == 0, server.error_log()


def notes_in_db(db_path, title):
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT title, body FROM notes_note WHERE title = ?", (title,)).fetchall()


def admin_login(session, site, password=ADMIN_PASSWORD):
    page = session.get(site.url + "/admin/login/?next=/admin/")
    assert page.status_code == 200
    return session.post(site.url + "/admin/login/?next=/admin/", allow_redirects=False, data={
        "csrfmiddlewaretoken": form_token(page.text), "username": ADMIN_USER, "password": password, "next": "/admin/"})


# --- the admin ---

def test_admin_login_page_renders(site):
    r = requests.get(site.url + "/admin/login/?next=/admin/")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>Log in | Django site admin</title>" in r.text
    assert '<form action="/admin/login/?next=/admin/" method="post" id="login-form">' in r.text
    assert 'name="username"' in r.text and 'name="password"' in r.text
    assert form_token(r.text)
    assert "csrftoken" in r.cookies


def test_admin_sends_anonymous_users_to_the_login_page(site):
    r = requests.get(site.url + "/admin/", allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"] == "/admin/login/?next=/admin/"


def test_admin_login_with_the_superuser(site):
    with requests.Session() as s:
        r = admin_login(s, site)
        assert r.status_code == 302
        assert r.headers["Location"] == "/admin/"
        index = s.get(site.url + "/admin/")
        assert index.status_code == 200
        assert "<title>Site administration | Django site admin</title>" in index.text
        assert '<a href="/admin/notes/note/">Notes</a>' in index.text

        add = s.get(site.url + "/admin/notes/note/add/")
        assert add.status_code == 200
        created = s.post(site.url + "/admin/notes/note/add/", allow_redirects=False,
                         data={"csrfmiddlewaretoken": form_token(add.text), "title": "from the admin", "body": "b"})
        assert created.status_code == 302
        assert created.headers["Location"] == "/admin/notes/note/"
        listing = s.get(site.url + "/admin/notes/note/")
        assert listing.status_code == 200
        assert ">from the admin</a>" in listing.text


def test_admin_login_with_a_wrong_password_is_refused(site):
    with requests.Session() as s:
        r = admin_login(s, site, password="wrong")
        assert r.status_code == 200
        assert "Please enter the correct username and password for a staff account." in r.text
        assert s.get(site.url + "/admin/", allow_redirects=False).status_code == 302


def test_admin_static_file_is_served_by_updraft(site):
    """--static-map serves the collected admin CSS natively: StaticFileHandler's ETag and ranges, and a 304."""
    path = os.path.join(os.path.dirname(django.__file__), "contrib", "admin", "static", "admin", "css", "base.css")
    with open(path, "rb") as f:
        expected = f.read()
    r = requests.get(site.url + "/static/admin/css/base.css")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/css"
    assert int(r.headers["Content-Length"]) == len(expected)
    assert r.content == expected
    assert r.headers["Accept-Ranges"] == "bytes"
    again = requests.get(site.url + "/static/admin/css/base.css", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


def test_admin_pages_link_the_css_updraft_serves(site):
    page = requests.get(site.url + "/admin/login/?next=/admin/").text
    for href in re.findall(r'href="(/static/[^"]+\.css)"', page):
        assert requests.head(site.url + href).status_code == 200, href


def test_django_is_not_asked_for_static_files(site):
    """A missing static file gets updraft's own 404 page, not Django's: the request never reached Python."""
    r = requests.get(site.url + "/static/admin/css/no-such-file.css")
    assert r.status_code == 404
    assert r.text == "<html><title>404: Not Found</title><body>404: Not Found</body></html>"


# --- the CSRF-protected form ---

def test_form_round_trip_creates_a_row(site, db_path):
    with requests.Session() as s:
        page = s.get(site.url + "/")
        assert page.status_code == 200
        assert '<form method="post" action="/" id="note-form">' in page.text
        assert "csrftoken" in s.cookies
        r = s.post(site.url + "/", allow_redirects=False,
                   data={"csrfmiddlewaretoken": form_token(page.text), "title": "round trip", "body": "<i>safe</i>"})
        assert r.status_code == 302
        assert r.headers["Location"] == "/"
        after = s.get(site.url + "/")
    assert after.status_code == 200
    assert "<li><b>round trip</b>: &lt;i&gt;safe&lt;/i&gt;</li>" in after.text
    assert notes_in_db(db_path, "round trip") == [("round trip", "<i>safe</i>")]


def test_notes_json_lists_the_20_newest(site, db_path):
    with sqlite3.connect(db_path) as db:
        db.executemany("INSERT INTO notes_note (title, body, created) VALUES (?, ?, ?)",
                       [(f"json {i}", "b" * i, f"2030-01-01 00:00:{i:02d}.123456") for i in range(25)])
    r = requests.get(site.url + "/notes.json")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    notes = r.json()
    assert len(notes) == 20
    assert notes[0] == {"id": notes[0]["id"], "title": "json 24", "body": "b" * 24, "created": "2030-01-01T00:00:24.123Z"}
    assert [n["title"] for n in notes] == [f"json {i}" for i in range(24, 4, -1)]


def test_post_without_the_csrf_token_is_403(site, db_path):
    r = requests.post(site.url + "/", data={"title": "no token", "body": ""}, allow_redirects=False)
    assert r.status_code == 403
    assert "CSRF verification failed. Request aborted." in r.text
    with requests.Session() as s:  # the cookie alone is not enough: the form field must match it
        s.get(site.url + "/")
        r = s.post(site.url + "/", data={"title": "no token", "body": ""}, allow_redirects=False)
    assert r.status_code == 403
    assert notes_in_db(db_path, "no token") == []


def test_invalid_form_is_400_with_the_error(site):
    with requests.Session() as s:
        page = s.get(site.url + "/")
        r = s.post(site.url + "/", data={"csrfmiddlewaretoken": form_token(page.text), "title": "", "body": "x"},
                   allow_redirects=False)
    assert r.status_code == 400
    assert "This field is required." in r.text


# --- sessions ---

def test_session_counter_persists(site):
    with requests.Session() as s:
        seen = []
        for _ in range(3):
            r = s.get(site.url + "/counter/")
            assert r.status_code == 200
            seen.append(re.search(r'<p id="visits">([^<]*)</p>', r.text).group(1))
            seen_cookie = s.cookies["sessionid"]
        assert seen == [f"You have visited this page {n} time{'s' if n > 1 else ''} in this session." for n in (1, 2, 3)]
        assert s.cookies["sessionid"] == seen_cookie
    fresh = requests.get(site.url + "/counter/")
    assert "You have visited this page 1 time in this session." in fresh.text


# --- production settings ---

def test_debug_is_off(site):
    r = requests.get(site.url + "/no/such/page/")
    assert r.status_code == 404
    assert "<h1>Not Found</h1>" in r.text
    assert "Traceback" not in r.text and "URLconf" not in r.text


def test_unknown_host_is_refused(site):
    r = requests.get(site.url + "/", headers={"Host": "evil.example"})
    assert r.status_code == 400
    assert "<title>Bad Request (400)</title>" in r.text


def test_sessions_are_shared_by_two_workers(db_path):
    """With -w 2, each request on a new connection may land on either process: the session lives in SQLite."""
    server = start_updraft("mysite.wsgi:application", "-w", "2", chdir=DJANGO_DIR, pythonpath=None,
                           env={"DJANGO_DB_PATH": db_path})
    try:
        cookies = {}
        for n in range(1, 11):
            r = requests.get(server.url + "/counter/", cookies=cookies, headers={"Connection": "close"})
            assert r.status_code == 200
            assert f"You have visited this page {n} time" in r.text
            cookies = {"sessionid": r.cookies.get("sessionid", cookies.get("sessionid"))}
    finally:
        code = server.stop()
    assert code == 0, server.error_log()
