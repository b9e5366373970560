"""App errors of each kind, one per path; /ok answers normally so tests can check the server keeps serving."""
TEXT = [("Content-Type", "text/plain")]


def before_start_response(environ, start_response):
    raise RuntimeError("boom-before-start-response")


def after_headers(environ, start_response):
    start_response("200 OK", TEXT)
    yield b"first part of the body"
    raise RuntimeError("boom-after-headers")


def after_headers_with_length(environ, start_response):
    start_response("200 OK", TEXT + [("Content-Length", "1000")])
    yield b"first part of the body"
    raise RuntimeError("boom-after-headers-with-length")


def returns_str(environ, start_response):
    start_response("200 OK", TEXT)
    return "a str, not bytes"


def returns_list_of_str(environ, start_response):
    start_response("200 OK", TEXT)
    return ["a str in a list"]


def yields_str_after_bytes(environ, start_response):
    start_response("200 OK", TEXT)
    yield b"bytes first, "
    yield "then a str"


def returns_none(environ, start_response):
    start_response("200 OK", TEXT)
    return None


def no_start_response(environ, start_response):
    return [b"never called start_response"]


def write_to_errors(environ, start_response):
    errors = environ["wsgi.errors"]
    errors.write("wsgi.errors line from the app\n")
    errors.writelines(["second errors line\n"])
    errors.flush()
    start_response("200 OK", TEXT)
    return [b"logged"]


def ok(environ, start_response):
    start_response("200 OK", TEXT)
    return [b"ok"]


ROUTES = {"/before": before_start_response, "/after": after_headers, "/after-length": after_headers_with_length,
          "/str": returns_str, "/list-of-str": returns_list_of_str, "/str-after-bytes": yields_str_after_bytes,
          "/none": returns_none, "/no-start": no_start_response, "/errors": write_to_errors, "/ok": ok}


def app(environ, start_response):
    return ROUTES[environ["PATH_INFO"]](environ, start_response)
