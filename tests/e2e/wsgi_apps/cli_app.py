"""For the command-line tests: an app reporting where it runs, a factory with arguments, and a non-callable."""
import json
import os
import sys


def make_app(greeting):
    def app(environ, start_response):
        body = json.dumps({"greeting": greeting, "cwd": os.getcwd(), "prefix": sys.prefix, "path": environ["PATH_INFO"],
                           "pid": os.getpid()}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
    return app


def create_app(greeting="hello", punctuation=""):
    return make_app(greeting + punctuation)


app = make_app("plain")
application = make_app("default name")
not_an_app = 42
