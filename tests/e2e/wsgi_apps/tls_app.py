"""For the TLS tests: / answers the request's scheme, host and client address as JSON, /big?n=N sends N bytes in 64 KiB chunks (past
--response-buffer they spool to a file and go out through the stream's sendfile path), /file?n=N through
wsgi.file_wrapper."""
import hashlib
import json
import tempfile


def pattern(n):
    block = bytes(range(256)) * 256  # 64 KiB
    while n > 0:
        chunk = block[:min(n, len(block))]
        n -= len(chunk)
        yield chunk


def app(environ, start_response):
    path = environ["PATH_INFO"]
    n = int(environ.get("QUERY_STRING", "n=0").partition("=")[2] or 0)
    if path == "/big":
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(n))])
        return pattern(n)
    if path == "/file":
        f = tempfile.TemporaryFile()
        for chunk in pattern(n):
            f.write(chunk)
        f.seek(0)
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(n))])
        return environ["wsgi.file_wrapper"](f, 65536)
    body = json.dumps({"url_scheme": environ["wsgi.url_scheme"], "host": environ.get("HTTP_HOST"),
                       "remote_addr": environ["REMOTE_ADDR"]}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def digest(n):
    """The SHA-256 of what /big?n=N and /file?n=N send."""
    h = hashlib.sha256()
    for chunk in pattern(n):
        h.update(chunk)
    return h.hexdigest()
