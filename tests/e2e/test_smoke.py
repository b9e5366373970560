"""Smoke test: the hello sample answers over a real socket with curl-like clients."""
import requests


def test_hello_world(hello):
    r = requests.get(hello.url + "/")
    assert r.status_code == 200
    assert r.text == "Hello, World!"
    assert r.headers["Content-Type"] == "text/plain"
