"""Routes for the slow-client tests: a small page, an upload that reads its whole body, a large generated download."""
import hashlib
from urllib.parse import parse_qs

MIB = 1 << 20


def block(i):
    """The i-th MiB of a download: every block differs, so a reordered or lost block changes the checksum."""
    return (i.to_bytes(4, "big") * (MIB // 4))


def app(environ, start_response):
    path = environ["PATH_INFO"]
    q = parse_qs(environ["QUERY_STRING"])
    if path == "/upload":
        body = environ["wsgi.input"].read()
        out = f"{len(body)} {hashlib.sha256(body).hexdigest()}".encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(out)))])
        return [out]
    if path == "/big":
        mib = int(q["mib"][0])
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(mib * MIB))])
        return (block(i) for i in range(mib))
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
