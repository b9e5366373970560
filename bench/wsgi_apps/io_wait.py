"""An I/O-bound WSGI app (bench/wsgi_tail.sh): every request waits WAIT_S seconds (default 0.02) with the GIL
released, as on a database or another service, then answers."""
import os
import time

WAIT_S = float(os.environ.get("WAIT_S", "0.02"))


def app(environ, start_response):
    time.sleep(WAIT_S)
    body = b"waited"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
