"""Exercises wsgi.input: each path reads the body one way and answers JSON of what it got (bytes as latin-1 text)."""
import hashlib
import json
from urllib.parse import parse_qs


def text(b):
    return b.decode("latin-1")


def read_all(stream, q):
    return {"data": text(stream.read()), "again": text(stream.read()), "again_n": text(stream.read(5))}


def read_n(stream, q):
    n = int(q["n"][0])
    chunks = []
    while True:
        chunk = stream.read(n)
        if not chunk:
            break
        chunks.append(text(chunk))
    return {"chunks": chunks}


def readline(stream, q):
    lines = []
    while True:
        line = stream.readline()
        if not line:
            break
        lines.append(text(line))
    return {"lines": lines}


def readline_n(stream, q):
    n = int(q["n"][0])
    lines = []
    while True:
        line = stream.readline(n)
        if not line:
            break
        lines.append(text(line))
    return {"lines": lines}


def readlines(stream, q):
    hint = q.get("hint")
    lines = stream.readlines(int(hint[0])) if hint else stream.readlines()
    return {"lines": [text(l) for l in lines], "rest": text(stream.read())}


def iterate(stream, q):
    return {"lines": [text(l) for l in stream]}


def mixed(stream, q):
    return {"line": text(stream.readline()), "two": text(stream.read(2)), "lines": [text(l) for l in stream.readlines()]}


def digest(stream, q):
    h = hashlib.sha256()
    total = 0
    biggest = 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        h.update(chunk)
        total += len(chunk)
        biggest = max(biggest, len(chunk))
    return {"length": total, "sha256": h.hexdigest(), "biggest_read": biggest}


ROUTES = {"/read": read_all, "/read_n": read_n, "/readline": readline, "/readline_n": readline_n,
          "/readlines": readlines, "/iter": iterate, "/mixed": mixed, "/digest": digest}


def progress(environ, start_response):
    """Streams: reports the first KiB as soon as it has it, then the length and hash of the whole body."""
    stream = environ["wsgi.input"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    first = stream.read(1024)
    yield b"first:%d\n" % len(first)
    h = hashlib.sha256(first)
    total = len(first)
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        h.update(chunk)
        total += len(chunk)
    yield b"total:%d sha256:%s\n" % (total, h.hexdigest().encode())


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/progress":
        return progress(environ, start_response)
    if path == "/ignore":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "7")])
        return [b"ignored"]
    if path == "/ignore-silently":
        start_response("204 No Content", [])
        return []
    handler = ROUTES.get(path)
    if handler is None:
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"not found"]
    body = json.dumps(handler(environ["wsgi.input"], parse_qs(environ.get("QUERY_STRING", "")))).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
