"""Calls a WSGI app directly in a loop, no server at all, and prints its calls/s: the ceiling any server can reach."""
import argparse
import importlib
import io
import json
import os
import statistics
import sys
import time


def base_environ(method, body_len):
    """What a server would pass for wrk's request: GET / (or POST / with a body), Host header only."""
    env = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    if body_len:
        env["CONTENT_TYPE"] = "application/octet-stream"
        env["CONTENT_LENGTH"] = str(body_len)
    return env


def start_response(status, headers, exc_info=None):
    return None


def calls_per_second(app, env, body, seconds):
    """Loops for about `seconds`, checking the clock every 64 calls; each call gets a copy of env (and a fresh input).

    Returns (calls per wall-clock second, CPU microseconds per call)."""
    calls = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    deadline = t0 + seconds
    while True:
        for _ in range(64):
            e = env.copy()
            if body:
                e["wsgi.input"] = io.BytesIO(body)
            result = app(e, start_response)
            try:
                for _chunk in result:
                    pass
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        calls += 64
        now = time.perf_counter()
        if now >= deadline:
            return calls / (now - t0), (time.process_time() - c0) * 1e6 / calls


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("app", help="MODULE:CALLABLE")
    ap.add_argument("--chdir", default=".")
    ap.add_argument("--post-bytes", type=int, default=0, help="POST a body of this many bytes (0: GET)")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--name", default=None)
    args = ap.parse_args()
    os.chdir(args.chdir)
    sys.path.insert(0, os.getcwd())
    module, _, attr = args.app.partition(":")
    app = getattr(importlib.import_module(module), attr)
    body = b"x" * args.post_bytes
    env = base_environ("POST" if body else "GET", len(body))
    calls_per_second(app, env, body, 0.5)  # warm-up
    results = [calls_per_second(app, env, body, args.seconds) for _ in range(args.reps)]
    runs, cpu = [r[0] for r in results], [r[1] for r in results]
    print(json.dumps({"app": args.name or args.app, "calls_per_s": statistics.median(runs), "runs": runs,
                      "cpu_us_per_call": statistics.median(cpu), "cpu_runs": cpu}))


if __name__ == "__main__":
    main()
