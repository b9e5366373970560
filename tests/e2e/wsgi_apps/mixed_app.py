"""A WSGI app for the mixed-serving tests: sleeps (time.sleep), busy loops in Python (for a time, or until the thread
has had an amount of CPU, which takes longer when threads share the GIL), holds the GIL in C, reads its body, and
reports which thread served it."""
import ctypes
import threading
import time
from urllib.parse import parse_qs

_LIBC = ctypes.PyDLL(None)  # the process's C library; a PyDLL call keeps the GIL held

# What the busy loop saw when it stopped: {"thread": ident, "error": exception name}.
last_spin = {}
_lock = threading.Lock()


def _seconds(environ):
    return float(parse_qs(environ.get("QUERY_STRING", "")).get("s", ["0"])[0])


def _spin(seconds):
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            sum(range(100))
    except BaseException as e:
        with _lock:
            last_spin.update(thread=threading.get_ident(), error=type(e).__name__)
        raise
    return b"spun\n"


def _compute(seconds):
    """About that long alone: Python bytecode until this thread has had that much CPU, so threads running it take turns
    on the GIL and each takes longer. Counting the thread's own CPU time needs no calibration at import, which a busy
    machine throws off."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass
    return b"computed\n"


def _hog(seconds):
    """Holds the GIL for that long: one C call (usleep through ctypes.PyDLL, which keeps the GIL) never lets another
    thread in."""
    start = time.monotonic()
    _LIBC.usleep(int(seconds * 1_000_000))
    return f"held the GIL {time.monotonic() - start:.3f}s\n".encode()


def _sleep(seconds):
    time.sleep(seconds)
    return b"slept\n"


def _last_spin():
    with _lock:
        return f"{last_spin.get('thread')} {last_spin.get('error')}\n".encode()


ROUTES = {
    "/sleep": lambda env: _sleep(_seconds(env)),
    "/spin": lambda env: _spin(_seconds(env)),
    "/hog": lambda env: _hog(_seconds(env)),
    "/compute": lambda env: _compute(_seconds(env)),
    "/read": lambda env: f"{len(env['wsgi.input'].read())}\n".encode(),
    "/thread": lambda env: f"{threading.get_ident()}\n".encode(),
    "/last-spin": lambda env: _last_spin(),
    "/hello": lambda env: b"wsgi hello\n",
}


def app(environ, start_response):
    route = ROUTES.get(environ["PATH_INFO"])
    if route is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]
    body = route(environ)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
