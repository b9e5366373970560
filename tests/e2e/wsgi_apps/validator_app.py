"""A small app wrapped in wsgiref.validate.validator: any PEP 3333 slip by the server raises AssertionError."""
from wsgiref.validate import validator

TEXT = [("Content-Type", "text/plain")]


def inner(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/echo":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        start_response("200 OK", TEXT + [("Content-Length", str(len(body)))])
        return [body]
    if path == "/lines":
        stream = environ["wsgi.input"]
        first = stream.readline()
        rest = stream.readlines()
        body = b"%d|%s|%d" % (len(first), first.strip(), len(rest))
        start_response("200 OK", TEXT)
        return [body]
    if path == "/stream":
        start_response("200 OK", TEXT)
        return (b"part %d;" % i for i in range(5))
    if path == "/write":
        write = start_response("201 Created", TEXT)
        write(b"written;")
        return [b"returned"]
    if path == "/empty":
        start_response("204 No Content", [])
        return []
    if path == "/file":
        import io
        start_response("200 OK", TEXT)
        return environ["wsgi.file_wrapper"](io.BytesIO(b"wrapped file"), 4)
    start_response("200 OK", TEXT)
    return [b"hello ", environ["PATH_INFO"].encode("latin-1"), b"?", environ.get("QUERY_STRING", "").encode()]


app = validator(inner)
