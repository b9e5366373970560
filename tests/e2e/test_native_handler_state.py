"""Native handlers with state from their route (add<H>(pattern, args...) -> initialize(args...)) and lambda routes
(app.get/post(pattern, fn)), end to end (tests/native/native_test_app.cpp)."""
import requests


def test_initialize_gets_the_routes_arguments_for_every_request(native_app):
    assert requests.get(native_app.url + "/state/hello").text == "Hello #1"
    assert requests.get(native_app.url + "/state/hello").text == "Hello #2"
    # Another route of the same class has arguments (and a counter) of its own, and still its RouteOptions' name.
    assert requests.get(native_app.url + "/state/bonjour/ada").text == "Bonjour ada #1"
    assert requests.get(native_app.url + "/reverse").status_code == 200


def test_lambda_routes_answer_their_methods(native_app):
    r = requests.get(native_app.url + "/fn", params={"x": "1"})
    assert (r.status_code, r.text) == (200, "get 1")
    r = requests.post(native_app.url + "/fn", data=b"abc")
    assert (r.status_code, r.text) == (201, "post abc")
    r = requests.head(native_app.url + "/fn")
    assert (r.status_code, r.text) == (200, "")
    assert requests.get(native_app.url + "/fn/later").text == "later"


def test_lambda_route_405_lists_every_method_of_the_pattern(native_app):
    r = requests.put(native_app.url + "/fn", data=b"x")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD, POST"
    r = requests.delete(native_app.url + "/fn/later")
    assert (r.status_code, r.headers["Allow"]) == (405, "GET, HEAD")
