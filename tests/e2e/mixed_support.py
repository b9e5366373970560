"""Helpers for the mixed-serving tests: start `mixed` on a test app, timed requests, background requests, metrics."""
import http.client
import os
import re
import signal
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
APPS_DIR = os.path.join(HERE, "wsgi_apps")
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FLASK_DIR = os.path.join(ROOT, "samples", "flask")
DJANGO_DIR = os.path.join(ROOT, "samples", "django")
BIN_DIR = os.environ.get("UPDRAFT_BIN_DIR", os.path.join(ROOT, "build", "bin"))
PLUGIN = os.path.abspath(os.path.join(BIN_DIR, "..", "lib", "libhello_plugin.so"))
# Sanitizer builds (scripts/test-sanitizers.sh sets UPDRAFT_SANITIZED) run several times slower: upper bounds on
# latencies are multiplied by this.
SLACK = 3 if os.environ.get("UPDRAFT_SANITIZED") else 1
FAST = 0.1 * SLACK  # how long "answers at once" may take
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$")


class Reply:
    def __init__(self, status, headers, body, seconds):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def get(server, path, conn=None, method="GET", body=None, headers=None, timeout=30):
    """One request (on conn if given, else on a fresh connection); returns a Reply with the time it took."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(server.host if hasattr(server, "host") else "127.0.0.1", server.port,
                                          timeout=timeout)
    try:
        start = time.monotonic()
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, data, time.monotonic() - start)
    finally:
        if own:
            conn.close()


class Background:
    """Requests started on their own threads; join() returns their Replies (or raises what they raised)."""

    def __init__(self, server, paths):
        self.replies = [None] * len(paths)
        self.errors = []
        self.threads = [threading.Thread(target=self._run, args=(server, i, p), daemon=True)
                        for i, p in enumerate(paths)]
        for t in self.threads:
            t.start()

    def _run(self, server, i, path):
        try:
            self.replies[i] = get(server, path)
        except Exception as e:  # reported by join()
            self.errors.append(e)

    def join(self, timeout=30):
        for t in self.threads:
            t.join(timeout)
            assert not t.is_alive(), "a background request never finished"
        if self.errors:
            raise self.errors[0]
        return self.replies


def metrics(server, path="/native/metrics"):
    """Scrapes the Prometheus endpoint: {'name' or 'name{labels}': value}; checks every line's syntax."""
    r = get(server, path)
    assert r.status == 200, r.text
    assert r.headers["content-type"] == "text/plain; version=0.0.4"
    values = {}
    for line in r.text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* \S", line), line
            continue
        m = SAMPLE.match(line)
        assert m, f"not a Prometheus sample line: {line!r}"
        values[m.group(1)] = float(m.group(2))
    return values


def wait_metric(server, name, predicate, timeout=10, path="/native/metrics"):
    """Polls the metrics until predicate(value of name) holds; returns all the values then."""
    deadline = time.monotonic() + timeout
    while True:
        values = metrics(server, path)
        if predicate(values.get(name)):
            return values
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} is {values.get(name)} after {timeout}s; metrics: {values}")
        time.sleep(0.05)


def error_log(server):
    return server.error_log().decode("utf-8", "replace")


def wait_log(server, text, timeout=5):
    """Waits until text appears in the server's error log; returns the log."""
    deadline = time.monotonic() + timeout
    while True:
        log = error_log(server)
        if text in log:
            return log
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared in the error log:\n{log}")
        time.sleep(0.05)


def stop_cleanly(server, timeout=15):
    """SIGTERMs the server and asserts it exits 0 within timeout seconds."""
    server.proc.send_signal(signal.SIGTERM)
    code = server.proc.wait(timeout=timeout)
    assert code == 0, f"exit code {code}; error log:\n{error_log(server)}"


def responses(values, status):
    return values.get(f'updraft_responses_total{{status="{status}"}}', 0)


def wait_counted(server, before, expected, path="/native/metrics", timeout=5):
    """Polls the metrics until updraft_responses_total grew by exactly expected ({status: n}) since before (a 200 count
    also by the scrapes made here); a response is counted just after its last byte is written, so counts may lag."""
    deadline = time.monotonic() + timeout
    scrapes = 1  # the one that produced `before`
    while True:
        values = metrics(server, path)
        got = {status: responses(values, status) - responses(before, status) for status in expected}
        target = {s: n + (scrapes if s == 200 else 0) for s, n in expected.items()}
        if got == target:
            return values
        over = {s: n for s, n in got.items() if n > target[s]}
        assert not over, f"responses counted {got}, expected {target}"
        assert time.monotonic() < deadline, f"responses counted {got} after {timeout}s, expected {target}"
        scrapes += 1
        time.sleep(0.05)
