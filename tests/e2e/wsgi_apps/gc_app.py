"""For the gc.freeze() tests: makes 10,000 objects as it loads, and reports what the garbage collector sees."""
import gc
import json

LOADED = [[i] for i in range(10_000)]  # lists: the collector tracks every one


def app(environ, start_response):
    for _ in range(100):  # garbage in cycles, which only the collector frees
        cycle = {}
        cycle["self"] = cycle
    del cycle
    body = json.dumps({"frozen": gc.get_freeze_count(), "collected": gc.collect()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
