"""Native arguments end to end (tests/native/native_test_app.cpp): get_argument<T> for integers, floats and bools, a
missing or malformed value a 400 naming the argument; query and body arguments apart; json_body()."""
import pytest
import requests

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def typed(app, query):
    return requests.get(app.url + "/args/typed?" + query)


def test_typed_arguments_convert_and_defaults_apply(native_app):
    r = typed(native_app, "n=-42")
    assert r.status_code == 200
    assert r.json() == {"n": -42, "ratio": 1.5, "flag": False, "count": 0}
    r = typed(native_app, "n=%2B7&ratio=2.5e-1&flag=TRUE&count=4000000000")
    assert r.json() == {"n": 7, "ratio": 0.25, "flag": True, "count": 4000000000}
    for text, value in [("1", True), ("yes", True), ("on", True), ("0", False), ("no", False), ("Off", False)]:
        assert typed(native_app, f"n=1&flag={text}").json()["flag"] is value


def test_body_argument_overrides_the_query_one(native_app):
    r = requests.post(native_app.url + "/args/typed?n=1", data="n=2", headers=FORM)
    assert r.json()["n"] == 2


@pytest.mark.parametrize("query, message", [
    ("", "Missing argument n"),
    ("ratio=2", "Missing argument n"),
    ("n=", "Malformed argument n: not an integer in range"),
    ("n=12abc", "Malformed argument n: not an integer in range"),
    ("n=+-1", "Malformed argument n: not an integer in range"),
    ("n=%201", "Malformed argument n: not an integer in range"),
    ("n=99999999999999999999", "Malformed argument n: not an integer in range"),
    ("n=1&count=-1", "Malformed argument count: not an integer in range"),
    ("n=1&count=4294967296", "Malformed argument count: not an integer in range"),
    ("n=1&ratio=fast", "Malformed argument ratio: not a number in range"),
    ("n=1&ratio=1e999", "Malformed argument ratio: not a number in range"),
    ("n=1&ratio=nan", "Malformed argument ratio: not a number in range"),
    ("n=1&ratio=%201", "Malformed argument ratio: not a number in range"),
    ("n=1&ratio=1.5x", "Malformed argument ratio: not a number in range"),
    ("n=1&flag=maybe", "Malformed argument flag: not a boolean"),
])
def test_missing_or_malformed_typed_argument_is_400_naming_it(native_app, query, message):
    r = typed(native_app, query)
    assert r.status_code == 400
    assert message in r.text


def test_query_and_body_arguments_apart(native_app):
    r = requests.post(native_app.url + "/args/sources?name=a&a=q1&a=q2", data="a=b1&a=b%2B2&c=3", headers=FORM)
    assert r.json() == {"query": ["q1", "q2"], "body": ["b1", "b+2"], "query_last": "q2", "body_last": "b+2",
                        "all": ["q1", "q2", "b1", "b+2"]}
    r = requests.post(native_app.url + "/args/sources?name=a", data="a=1", headers={"Content-Type": "text/plain"})
    assert r.json() == {"query": [], "body": [], "query_last": None, "body_last": None, "all": []}


def test_lenient_percent_escapes_are_kept(native_app):
    r = requests.post(native_app.url + "/args/sources?name=a&a=100%", data="a=50%25+%zz&a=%E2%9C%93", headers=FORM)
    assert r.json()["query"] == ["100%"]
    assert r.json()["body"] == ["50% %zz", "\u2713"]


def test_json_body(native_app):
    document = {"name": "updraft", "list": [1, 2.5, None], "nested": {"ok": True}}
    r = requests.post(native_app.url + "/args/json", json=document)
    assert r.status_code == 200
    assert r.json() == {"received": document}


@pytest.mark.parametrize("body", [b"", b"{", b'{"a": 1} trailing', b"[1, 2,]", b"\xff"])
def test_malformed_json_body_is_400(native_app, body):
    r = requests.post(native_app.url + "/args/json", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert "Malformed JSON body" in r.text
