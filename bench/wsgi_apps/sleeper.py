"""For mixed_latency.sh: /sleep holds its WSGI thread for SLEEP_S seconds (default 1), any other path answers at once."""
import os
import time

SLEEP_S = float(os.environ.get("SLEEP_S", "1"))


def app(environ, start_response):
    if environ.get("PATH_INFO") == "/sleep":
        time.sleep(SLEEP_S)
        body = b"slept"
    else:
        body = b"awake"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
