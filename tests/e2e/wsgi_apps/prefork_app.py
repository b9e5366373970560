"""For -w N tests: reports the worker's pid and parent; /sleep answers late; /exit kills the worker process."""
import json
import os
import time
from urllib.parse import parse_qs


def app(environ, start_response):
    path = environ["PATH_INFO"]
    q = parse_qs(environ.get("QUERY_STRING", ""))
    if path == "/exit":
        os._exit(3)
    if path == "/sleep":
        time.sleep(float(q["s"][0]))
    body = json.dumps({"pid": os.getpid(), "ppid": os.getppid(), "multiprocess": environ["wsgi.multiprocess"],
                       "path": path}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
