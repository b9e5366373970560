"""Echoes the environ as JSON: for each key its type name and value (str, bool, int, tuple) or repr, plus probes."""
import json


def describe(value):
    if isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, tuple):
        return list(value)
    return repr(value)


def probes(environ):
    stream_methods = ("read", "readline", "readlines", "__iter__")
    return {
        "environ_is_dict": type(environ) is dict,
        "path_info_latin1_hex": environ["PATH_INFO"].encode("latin-1").hex(),
        "input_methods": [m for m in stream_methods if hasattr(environ["wsgi.input"], m)],
        "errors_methods": [m for m in ("write", "writelines", "flush") if hasattr(environ["wsgi.errors"], m)],
        "file_wrapper_callable": callable(environ.get("wsgi.file_wrapper")),
    }


def app(environ, start_response):
    out = {key: {"type": type(value).__name__, "value": describe(value)} for key, value in environ.items()}
    out["_probes"] = probes(environ)
    body = json.dumps(out).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
