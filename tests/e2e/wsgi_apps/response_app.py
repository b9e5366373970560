"""Response iterables: close() bookkeeping, Content-Length mismatches, streaming, bodiless statuses, big outputs."""
import io
import json
import threading
import time
from urllib.parse import parse_qs

TEXT = [("Content-Type", "text/plain")]
CLOSED = []       # ids of iterables whose close() ran
PRODUCED = {}     # id -> bytes yielded so far
LOCK = threading.Lock()


class Closing:
    """An iterable (not a list) that records its close(); raises or yields str when told to."""

    def __init__(self, ident, chunks, fail_at=None, forever=False):
        self.ident, self.chunks, self.fail_at, self.forever = ident, chunks, fail_at, forever

    def __iter__(self):
        i = 0
        while self.forever or i < len(self.chunks):
            if i == self.fail_at:
                raise RuntimeError(f"iteration failed on purpose ({self.ident})")
            yield self.chunks[i % len(self.chunks)]
            i += 1

    def close(self):
        with LOCK:
            CLOSED.append(self.ident)
        if self.ident.startswith("raise-in-close"):
            raise RuntimeError(f"close() failed on purpose ({self.ident})")


class ClosingList(list):
    def close(self):
        with LOCK:
            CLOSED.append(self.ident)


def closing(environ, start_response, q):
    kind, ident = q["kind"], q["id"]
    start_response("200 OK", TEXT)
    if kind == "normal":
        return Closing(ident, [b"a", b"b", b"c"])
    if kind == "raise-before":
        return Closing(ident, [b"a"], fail_at=0)
    if kind == "raise-after":
        return Closing(ident, [b"a" * 1000, b"b"], fail_at=1)
    if kind == "forever":
        return Closing(ident, [b"x" * 65536], forever=True)
    if kind == "str":
        return Closing(ident, ["not bytes"])
    if kind == "list":
        body = ClosingList([b"list", b"-body"])
        body.ident = ident
        return body
    raise ValueError(kind)


def content_length(environ, start_response, q):
    declared, sent = int(q["declared"]), int(q["sent"])
    start_response("200 OK", TEXT + [("Content-Length", str(declared))])
    body = b"0123456789" * (sent // 10) + b"0123456789"[:sent % 10]
    if q.get("mode") == "list":
        return [body]
    return (body[i:i + 3] for i in range(0, len(body), 3))


def stream(environ, start_response, q):
    n, size = int(q.get("n", 3)), int(q.get("size", 2))
    start_response("200 OK", TEXT)
    chunk = b"z" * size
    return (chunk for _ in range(n))


def pattern_stream(environ, start_response, q):
    start_response("200 OK", TEXT)
    return (b"%d," % i for i in range(int(q["n"])))


def bodiless(environ, start_response, q):
    code = int(q["code"])
    reason = {200: "OK", 204: "No Content", 304: "Not Modified"}[code]
    start_response(f"{code} {reason}", TEXT + [("X-Status", str(code))])
    if q.get("mode") == "gen":
        return (c for c in [b"should ", b"not be sent"])
    return [b"should not be sent"]


def big(environ, start_response, q):
    ident, total = q["id"], int(q["mib"]) << 20
    start_response("200 OK", TEXT + [("Content-Length", str(total))])
    chunk = b"y" * 65536

    def gen():
        for _ in range(total // len(chunk)):
            with LOCK:
                PRODUCED[ident] = PRODUCED.get(ident, 0) + len(chunk)
            yield chunk
    return gen()


def file_wrapper(environ, start_response, q):
    headers = list(TEXT)
    if q.get("kind") == "bytesio":
        f = io.BytesIO(b"in-memory file contents " * 1000)
    else:
        f = open(__file__, "rb")
    if q.get("length"):
        headers.append(("Content-Length", q["length"]))
    start_response("200 OK", headers)
    return environ["wsgi.file_wrapper"](f, 4096)


def slow(environ, start_response, q):
    start_response("200 OK", TEXT)

    def gen():
        for i in range(int(q["n"])):
            time.sleep(float(q["delay"]))
            yield b"tick %d\n" % i
    return gen()


def report(environ, start_response, q):
    with LOCK:
        body = json.dumps({"closed": CLOSED, "produced": PRODUCED}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


ROUTES = {"/close": closing, "/cl": content_length, "/stream": stream, "/pattern": pattern_stream,
          "/bodiless": bodiless, "/big": big, "/file": file_wrapper, "/slow": slow, "/report": report}


def app(environ, start_response):
    q = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    return ROUTES[environ["PATH_INFO"]](environ, start_response, q)
