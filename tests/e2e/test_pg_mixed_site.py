"""The mixed-site story end to end: samples/django on PostgreSQL (DJANGO_PG_DATABASE, psycopg2) served by `mixed`,
which answers GET /native/notes.json from the same notes table through core/pg on its loop, while Django serves the
HTML pages and the admin: a note added in the admin or through the site's form is in the native JSON at once, and the
native list is the list Django's /notes.json gives."""
import os
import re
import subprocess
import time

import pytest
import requests

from pg_cluster import PgCluster
from support import DJANGO_DIR, DJANGO_STATIC_DIR, SLACK, start_server

ADMIN_USER, ADMIN_PASSWORD = "admin", "s3cret-updraft-pw"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def form_token(html):
    m = TOKEN.search(html)
    assert m, "no csrfmiddlewaretoken in the page"
    return m.group(1)


@pytest.fixture(scope="module")
def cluster():
    c = PgCluster()
    yield c
    c.close()


@pytest.fixture(scope="module")
def django_env(cluster):
    """The Django sample's environment for a migrated PostgreSQL database `notes` with a superuser."""
    cluster.psql("create database notes")
    env = {**os.environ, **cluster.env(), "DJANGO_PG_DATABASE": "notes", "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD}
    for args in (["migrate", "--noinput"],
                 ["createsuperuser", "--noinput", "--username", ADMIN_USER, "--email", "admin@example.com"]):
        done = subprocess.run(["/usr/bin/python3", "manage.py", *args], cwd=DJANGO_DIR, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    return env


@pytest.fixture(scope="module")
def site(cluster, django_env):
    server = start_server("mixed", "--threads", "4", "--chdir", DJANGO_DIR, "--static-map",
                          f"/static/={DJANGO_STATIC_DIR}", "--pg", "dbname=notes", "mysite.wsgi:application",
                          env={k: django_env[k] for k in ("PGHOST", "PGPORT", "PGUSER", "DJANGO_PG_DATABASE")})
    yield server
    code = server.stop()
    assert code == 0, server.error_log()


def native_notes(site):
    r = requests.get(site.url + "/native/notes.json", timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    return r.json()


def django_notes(site):
    r = requests.get(site.url + "/notes.json", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_note_added_in_the_django_admin_is_in_the_native_json_at_once(site):
    title, body = """<b>"admin's" note</b> & ☃ '; drop table notes_note; --""", "line one\nline two \\ end"
    with requests.Session() as s:
        page = s.get(site.url + "/admin/login/?next=/admin/")
        r = s.post(site.url + "/admin/login/?next=/admin/", allow_redirects=False, data={
            "csrfmiddlewaretoken": form_token(page.text), "username": ADMIN_USER, "password": ADMIN_PASSWORD,
            "next": "/admin/"})
        assert r.status_code == 302, r.text
        add = s.get(site.url + "/admin/notes/note/add/")
        created = s.post(site.url + "/admin/notes/note/add/", allow_redirects=False,
                         data={"csrfmiddlewaretoken": form_token(add.text), "title": title, "body": body})
        assert created.status_code == 302, created.text
    newest = native_notes(site)[0]
    assert (newest["title"], newest["body"]) == (title, body)
    assert native_notes(site) == django_notes(site)


def test_a_note_added_through_the_sites_form_is_in_the_native_json_at_once(site):
    with requests.Session() as s:
        page = s.get(site.url + "/")
        assert page.status_code == 200 and "<form" in page.text
        r = s.post(site.url + "/", allow_redirects=False,
                   data={"csrfmiddlewaretoken": form_token(page.text), "title": "from the form", "body": "é"})
        assert r.status_code == 302, r.text
        assert "from the form" in s.get(site.url + "/").text  # Django's HTML page lists it
    newest = native_notes(site)[0]
    assert (newest["title"], newest["body"]) == ("from the form", "é")


def test_the_native_json_is_the_20_newest_notes_as_django_lists_them(site, cluster):
    cluster.psql("insert into notes_note (title, body, created) "
                 "select 'bulk ' || g, repeat('x', g), now() - g * interval '1 second' from generate_series(1, 30) g",
                 database="notes")
    native = native_notes(site)
    assert len(native) == 20
    assert native == django_notes(site)
    assert [set(note) for note in native] == [{"id", "title", "body", "created"}] * 20
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", note["created"]) for note in native)
    assert [note["created"] for note in native] == sorted((note["created"] for note in native), reverse=True)


def test_the_native_json_answers_503_while_the_database_is_down_and_recovers(site, cluster):
    assert len(native_notes(site)) == 20
    cluster.stop()
    try:
        start = time.monotonic()
        r = requests.get(site.url + "/native/notes.json", timeout=10)
        assert r.status_code == 503
        assert "Database unavailable" in r.text
        assert time.monotonic() - start < 2 * SLACK
        assert requests.get(site.url + "/native/hello", timeout=10).text == "Hello, World!"
        assert "PostgreSQL: " in site.wait_error_log("PostgreSQL: ")  # the reason, in the error log
    finally:
        cluster.start()
    assert len(native_notes(site)) == 20
