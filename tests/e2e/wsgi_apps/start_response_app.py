"""start_response rules: each path calls it one way (bad headers and statuses, exc_info, write()); see the tests."""
import sys

TEXT = [("Content-Type", "text/plain")]

BAD_HEADERS = {
    "value-crlf": ("X-Bad", "a\r\nInjected: yes"),
    "value-lf": ("X-Bad", "a\nInjected: yes"),
    "value-cr": ("X-Bad", "a\rInjected: yes"),
    "value-nul": ("X-Bad", "a\0Injected"),
    "name-crlf": ("X-Bad\r\nInjected", "yes"),
    "name-nul": ("X-Bad\0Injected", "yes"),
    "name-colon": ("X-Bad:Injected", "yes"),
    "name-space": ("X-Bad Injected", "yes"),
    "name-empty": ("", "Injected"),
    "value-not-latin1": ("X-Bad", "Injected \u20ac"),
    "value-not-str": ("X-Bad", 5),
    "name-bytes": (b"X-Bad", "Injected"),
    "connection": ("Connection", "Injected"),
    "keep-alive": ("Keep-Alive", "Injected=5"),
    "transfer-encoding": ("Transfer-Encoding", "Injected"),
    "te": ("TE", "Injected"),
    "trailers": ("Trailers", "Injected"),
    "upgrade": ("Upgrade", "Injected"),
    "proxy-authenticate": ("Proxy-Authenticate", "Injected"),
    "proxy-authorization": ("Proxy-Authorization", "Injected"),
    "upper-connection": ("CONNECTION", "Injected"),
}

BAD_STATUSES = {
    "no-reason": "200",
    "letters": "abc OK",
    "int": 99,
    "four-digits": "2000 OK",
    "two-digits": "20 OK",
    "empty": "",
    "crlf": "200 OK\r\nInjected: yes",
    "bytes": b"200 OK",
    "no-space": "200OK",
}


def bad_header(environ, start_response, name):
    start_response("200 OK", TEXT + [("X-Good", "fine"), BAD_HEADERS[name]])
    return [b"Injected body"]


def bad_status(environ, start_response, name):
    start_response(BAD_STATUSES[name], TEXT)
    return [b"Injected body"]


def headers_tuple(environ, start_response):
    start_response("200 OK", tuple(TEXT))
    return [b"Injected body"]


def twice(environ, start_response):
    start_response("200 OK", TEXT)
    start_response("201 Created", TEXT)
    return [b"Injected body"]


def exc_info_before_body(environ, start_response):
    start_response("200 OK", TEXT + [("X-First", "dropped")])
    try:
        raise ValueError("changed my mind")
    except ValueError:
        start_response("503 Service Unavailable", TEXT + [("X-Second", "kept")], sys.exc_info())
    return [b"recovered"]


def exc_info_after_body(environ, start_response):
    start_response("200 OK", TEXT)
    yield b"partial body"
    try:
        raise ValueError("too late")
    except ValueError:
        start_response("500 Internal Server Error", TEXT, sys.exc_info())  # re-raises: the server must abort
    yield b"never sent"


def exc_info_after_write(environ, start_response):
    write = start_response("200 OK", TEXT + [("Content-Length", "100")])
    write(b"written")
    try:
        raise ValueError("too late")
    except ValueError:
        start_response("500 Internal Server Error", TEXT, sys.exc_info())
    return [b"never sent"]


def exc_info_first_call(environ, start_response):
    try:
        raise KeyError("first call")
    except KeyError:
        start_response("502 Bad Gateway", TEXT, sys.exc_info())
    return [b"first call with exc_info"]


def write_mixed(environ, start_response):
    write = start_response("200 OK", TEXT)
    write(b"one,")
    write(b"two,")
    return [b"three,", b"four"]


def write_then_generator(environ, start_response):
    write = start_response("200 OK", TEXT)
    write(b"w1,")
    yield b"g1,"
    write(b"w2,")
    yield b"g2"


def write_only(environ, start_response):
    write = start_response("200 OK", TEXT + [("Content-Length", "6")])
    write(b"abc")
    write(b"def")
    return []


def write_str(environ, start_response):
    write = start_response("200 OK", TEXT)
    write("not bytes")
    return [b"Injected body"]


def empty_then_raise(environ, start_response):
    start_response("200 OK", TEXT + [("X-Held", "yes")])
    yield b""
    yield b""
    raise RuntimeError("raised after empty chunks")


def write_empty_then_raise(environ, start_response):
    write = start_response("200 OK", TEXT + [("X-Held", "yes")])
    write(b"")
    raise RuntimeError("raised after write(b'')")


def late_start(environ, start_response):
    """start_response called from inside the iterable, before the first chunk: allowed by PEP 3333."""
    start_response("202 Accepted", TEXT)
    yield b"late"


def late_start_app(environ, start_response):
    return late_start(environ, start_response)


def latin1_value(environ, start_response):
    start_response("200 OK", TEXT + [("X-Latin", "caf\u00e9")])
    return [b"latin-1"]


def custom_reason(environ, start_response):
    start_response("299 Custom Reason Phrase", TEXT)
    return [b"custom"]


def teapot(environ, start_response):
    start_response("418 I'm a teapot", TEXT)
    return [b"short and stout"]


def keywords(environ, start_response):
    start_response(status="201 Created", headers=TEXT, exc_info=None)
    return [b"by keyword"]


def one_argument(environ, start_response):
    start_response("200 OK")
    return [b"Injected body"]


ROUTES = {
    "/headers-tuple": headers_tuple, "/twice": twice, "/exc-before": exc_info_before_body,
    "/exc-after": exc_info_after_body, "/exc-after-write": exc_info_after_write, "/exc-first": exc_info_first_call,
    "/write-mixed": write_mixed, "/write-generator": write_then_generator, "/write-only": write_only,
    "/write-str": write_str, "/empty-then-raise": empty_then_raise, "/write-empty-then-raise": write_empty_then_raise,
    "/late-start": late_start_app, "/latin1-value": latin1_value, "/custom-reason": custom_reason, "/teapot": teapot,
    "/keywords": keywords, "/one-argument": one_argument,
}


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path.startswith("/header/"):
        return bad_header(environ, start_response, path[len("/header/"):])
    if path.startswith("/status/"):
        return bad_status(environ, start_response, path[len("/status/"):])
    if path == "/ok":
        start_response("200 OK", TEXT + [("X-Good", "fine")])
        return [b"ok"]
    return ROUTES[path](environ, start_response)
