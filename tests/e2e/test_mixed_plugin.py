"""`updraft --native libhello_plugin.so`: the plugin's C++ routes (a WebSocket among them) beside the Django sample on
one port, and beside a WSGI app whose threads are all asleep; native health and metrics; plugin load errors."""
import asyncio
import http.client
import os
import re
import subprocess

import pytest
import requests
import websockets

from support import (APPS_DIR, DJANGO_DIR, FAST, PLUGIN, SLACK, UPDRAFT, Background, get, metrics, start_updraft,
                     wait_counted, wait_metric)

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VISITS = re.compile(r'<p id="visits">You have visited this page (\d+ times?) in this session.</p>')
OPS = ("--health-path", "/healthz", "--metrics-path", "/metrics")


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("django") / "db.sqlite3")
    done = subprocess.run(["/usr/bin/python3", "manage.py", "migrate", "--noinput"], cwd=DJANGO_DIR,
                          env={**os.environ, "DJANGO_DB_PATH": path}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return path


@pytest.fixture(scope="module")
def django_site(db_path):
    # The plugin path is relative to where updraft starts, not to --chdir.
    lib_dir = os.path.dirname(PLUGIN)
    server = start_updraft("mysite.wsgi:application", "--threads", "2", "--native", "libhello_plugin.so", *OPS,
                           chdir=DJANGO_DIR, pythonpath=None, env={"DJANGO_DB_PATH": db_path}, cwd=lib_dir)
    yield server
    code = server.stop()
    assert code == 0, server.error_log()


def session():
    s = requests.Session()
    s.trust_env = False
    return s


def test_plugin_routes_and_django_pages_share_one_connection(django_site):
    conn = http.client.HTTPConnection("127.0.0.1", django_site.port, timeout=10)
    conn.connect()
    local = conn.sock.getsockname()
    for _ in range(2):
        r = get(django_site, "/native/plugin-hello", conn=conn)
        assert (r.status, r.text) == (200, "Hello from a native plugin!")
        assert r.headers["content-type"] == "text/plain"
        r = get(django_site, "/", conn=conn)
        assert r.status == 200
        assert r.headers["content-type"] == "text/html; charset=utf-8"
        assert TOKEN.search(r.text), "the notes page has no CSRF-protected form"
        r = get(django_site, "/native/plugin-sleep?ms=50", conn=conn)
        assert (r.status, r.text) == (200, "slept")
        assert r.seconds >= 0.05
        r = get(django_site, "/admin/login/?next=/admin/", conn=conn)
        assert r.status == 200 and "<title>Log in | Django site admin</title>" in r.text
        assert get(django_site, "/healthz", conn=conn).text == "ok\n"
        assert conn.sock.getsockname() == local, "the connection was not kept alive"
    conn.close()


def test_django_session_and_form_beside_the_plugin(django_site, db_path):
    s = session()
    url = django_site.url
    seen = []
    for _ in range(3):
        r = s.get(url + "/counter/")
        assert r.status_code == 200
        seen.append(VISITS.search(r.text).group(1))
        assert s.get(url + "/native/plugin-hello").text == "Hello from a native plugin!"
    assert seen == ["1 time", "2 times", "3 times"]

    page = s.get(url + "/")
    posted = s.post(url + "/", allow_redirects=False, data={
        "csrfmiddlewaretoken": TOKEN.search(page.text).group(1), "title": "from the mixed test", "body": "beside C++"})
    assert posted.status_code == 302, posted.text[:500]
    assert posted.headers["Location"] == "/"
    assert s.get(url + "/native/plugin-hello").text == "Hello from a native plugin!"
    assert "from the mixed test" in s.get(url + "/").text


def test_paths_the_plugin_does_not_own_reach_django(django_site):
    for path in ("/native/plugin-hello/", "/native/other", "/native"):
        r = requests.get(django_site.url + path)
        assert r.status_code == 404, path
        assert "<h1>Not Found</h1>" in r.text, path  # Django's page, not a native one


def test_django_metrics_count_its_responses(django_site):
    before = metrics(django_site, "/metrics")
    for _ in range(3):
        assert requests.get(django_site.url + "/admin/", allow_redirects=False).status_code == 302
    after = wait_counted(django_site, before, {302: 3}, path="/metrics")
    assert after["updraft_wsgi_threads"] == 2


def test_plugin_answers_while_every_wsgi_thread_sleeps(updraft):
    # The sleeps hold the threads long enough for every check below to run, even under ASan; the queued one (2.5 s
    # waiting, then 2.5 s asleep) ends before the 6 s deadline.
    site = updraft("mixed_app:app", "--threads", "2", "--max-queue", "1", "-t", "6", "--native", PLUGIN, *OPS)
    stuck = Background(site, ["/sleep?s=2.5", "/sleep?s=2.5"])
    wait_metric(site, "updraft_wsgi_busy_threads", lambda v: v == 2, path="/metrics")
    queued = Background(site, ["/sleep?s=2.5"])
    wait_metric(site, "updraft_wsgi_queue_depth", lambda v: v == 1, path="/metrics")
    for _ in range(20):
        r = get(site, "/native/plugin-hello")
        assert (r.status, r.text) == (200, "Hello from a native plugin!")
        assert r.seconds < FAST
    assert get(site, "/healthz").text == "ok\n"
    m = metrics(site, "/metrics")
    assert (m["updraft_wsgi_busy_threads"], m["updraft_wsgi_queue_depth"]) == (2, 1)
    full = get(site, "/hello")
    assert (full.status, full.headers["retry-after"]) == (503, "1")
    assert full.seconds < 0.5 * SLACK
    assert [r.status for r in stuck.join() + queued.join()] == [200, 200, 200]

    late = get(site, "/sleep?s=10")
    assert late.status == 504 and 5.95 <= late.seconds < 6 + 0.5 * SLACK, (late.status, late.seconds)
    assert get(site, "/hello").status == 200  # on the other thread
    assert get(site, "/native/plugin-hello").status == 200
    assert site.stop(timeout=15) == 0, site.error_log()


@pytest.mark.parametrize("plugin, message", [
    ("/nonexistent/libnothing.so", "cannot load native plugin /nonexistent/libnothing.so: "),
    ("/usr/lib/x86_64-linux-gnu/libz.so.1", "has no updraft_register (use UPDRAFT_PLUGIN)"),
])
def test_a_bad_plugin_stops_updraft_before_it_listens(plugin, message):
    done = subprocess.run([UPDRAFT, "-b", "127.0.0.1:0", "--native", plugin, "--pythonpath", APPS_DIR,
                           "mixed_app:app"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "listening" not in done.stdout
    assert done.stderr.startswith("updraft: ") and message in done.stderr, done.stderr


def test_a_plugins_websocket_route_gives_the_django_site_a_live_channel(django_site):
    """The plugin's /native/ws/live: a message from one client reaches every client (topics), while Django serves
    its pages on the same port."""
    async def session():
        url = f"ws://127.0.0.1:{django_site.port}/native/ws/live"
        async with websockets.connect(url) as a, websockets.connect(url) as b:
            await a.send("note saved")
            assert await asyncio.wait_for(a.recv(), 10) == "note saved"
            assert await asyncio.wait_for(b.recv(), 10) == "note saved"
            r = await asyncio.to_thread(get, django_site, "/")
            assert r.status == 200 and TOKEN.search(r.text)
            await b.send(b"\x01binary")
            assert await asyncio.wait_for(a.recv(), 10) == b"\x01binary"
    asyncio.run(asyncio.wait_for(session(), 30))
