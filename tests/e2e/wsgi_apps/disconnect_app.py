"""Client disconnects: each path records what it saw (chunks produced, write() failures, body bytes, close())."""
import json
import threading
import time
from urllib.parse import parse_qs

TEXT = [("Content-Type", "text/plain")]
EVENTS = {}  # id -> list of event strings
LOCK = threading.Lock()


def record(ident, event):
    with LOCK:
        EVENTS.setdefault(ident, []).append(event)


class Stream:
    """Yields chunks forever (sleeping between them if asked), counting them; records close()."""

    def __init__(self, ident, delay):
        self.ident, self.delay, self.count = ident, delay, 0

    def __iter__(self):
        while True:
            if self.delay:
                time.sleep(self.delay)
            self.count += 1
            yield b"s" * 65536

    def close(self):
        record(self.ident, f"close after {self.count} chunks")


def stream(environ, start_response, q):
    start_response("200 OK", TEXT)
    return Stream(q["id"], float(q.get("delay", 0)))


def write_loop(environ, start_response, q):
    write = start_response("200 OK", TEXT)
    try:
        for i in range(100000):
            write(b"w" * 65536)
    except Exception as e:
        record(q["id"], f"write failed: {type(e).__name__}")
        raise
    record(q["id"], "write loop finished")
    return []


def upload(environ, start_response, q):
    stream = environ["wsgi.input"]
    total = 0
    try:
        while True:
            chunk = stream.read(65536)
            if not chunk:
                break
            total += len(chunk)
        record(q["id"], f"read {total} then eof")
    except Exception as e:
        record(q["id"], f"read {total} then {type(e).__name__}")
        raise
    start_response("200 OK", TEXT)
    return [b"%d" % total]


class Slow:
    def __init__(self, ident):
        self.ident = ident

    def __iter__(self):
        yield b"late answer"

    def close(self):
        record(self.ident, "close")


def slow_start(environ, start_response, q):
    time.sleep(float(q["delay"]))
    record(q["id"], "woke up")
    start_response("200 OK", TEXT)
    return Slow(q["id"])


def events(environ, start_response, q):
    with LOCK:
        body = json.dumps(EVENTS.get(q["id"], [])).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def ok(environ, start_response, q):
    start_response("200 OK", TEXT)
    return [b"ok"]


ROUTES = {"/stream": stream, "/write": write_loop, "/upload": upload, "/slow-start": slow_start,
          "/events": events, "/ok": ok}


def app(environ, start_response):
    q = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    return ROUTES[environ["PATH_INFO"]](environ, start_response, q)
