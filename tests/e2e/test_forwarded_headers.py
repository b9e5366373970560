"""Behind proxies: X-Forwarded-For/-Proto/-Host and RFC 7239 Forwarded believed only from --forwarded-allow-ips
peers, in the WSGI environ (REMOTE_ADDR, REMOTE_PORT, wsgi.url_scheme, HTTP_HOST, SERVER_NAME/PORT) and natively
(request().remote_ip and protocol); a spoofed header from any other peer is ignored. Untrusted peers connect from
127.0.0.2 (the loopback network is all local), trusted ones from 127.0.0.1, gunicorn's default."""
import json
import socket
import subprocess

import pytest

from support import SLACK, UPDRAFT, APPS_DIR, ResponseReader, http_request, serve

SPOOF = [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil.example"),
         ("Forwarded", "for=6.6.6.7;proto=https;host=evil2.example")]


def request_json(port, target, headers=(), source="127.0.0.1", host="127.0.0.1", family=socket.AF_INET):
    """One GET from the source address; returns the JSON body and the client's port."""
    with socket.socket(family) as s:
        s.settimeout(10 * SLACK)
        s.bind((source, 0))
        s.connect((host, port))
        http_request(s, "GET", target, headers)
        r = ResponseReader(s, timeout=10 * SLACK).read()
        assert r.status == 200, r.body
        return json.loads(r.body), s.getsockname()[1]


def environ(server, headers=(), source="127.0.0.1"):
    """The environ values (key: value) the WSGI app saw, and the client's own port."""
    env, port = request_json(server.port, "/", headers, source)
    return {k: v["value"] for k, v in env.items() if k != "_probes"}, port


@pytest.fixture(scope="module")
def wsgi():
    yield from serve("environ_app:app")


@pytest.fixture
def native(server_factory):
    return server_factory("native_test_app", "--threads", "1")


def test_a_trusted_proxy_names_the_client_its_scheme_and_host(wsgi):
    v, _ = environ(wsgi, [("X-Forwarded-For", "203.0.113.9, 10.0.0.2"), ("X-Forwarded-Proto", "https"),
                          ("X-Forwarded-Host", "shop.example")])
    assert v["REMOTE_ADDR"] == "10.0.0.2"  # only 127.0.0.1 is trusted: 10.0.0.2 is the right-most other hop
    assert "REMOTE_PORT" not in v  # X-Forwarded-For names no port
    assert v["wsgi.url_scheme"] == "https"
    assert (v["HTTP_HOST"], v["SERVER_NAME"], v["SERVER_PORT"]) == ("shop.example", "shop.example", "443")
    assert v["HTTP_X_FORWARDED_FOR"] == "203.0.113.9, 10.0.0.2"  # the fields themselves still reach the app


def test_the_access_log_names_the_client_a_trusted_proxy_gave(updraft):
    server = updraft("environ_app:app", "--access-logfile", "-")
    environ(server, [("X-Forwarded-For", "203.0.113.9")])
    environ(server, [("X-Forwarded-For", "203.0.113.10")], source="127.0.0.2")
    lines = server.wait_stdout(lambda ls: len(ls) >= server.start_lines + 2)[server.start_lines:]
    assert [line.split(" ", 1)[0] for line in lines] == ["203.0.113.9", "127.0.0.2"]


def test_forwarded_names_the_client_with_its_port_and_ipv6(wsgi):
    v, _ = environ(wsgi, [("Forwarded", 'for="[2001:db8::7]:4711";proto=https;host="shop.example:8443"')])
    assert (v["REMOTE_ADDR"], v["REMOTE_PORT"]) == ("2001:db8::7", "4711")
    assert v["wsgi.url_scheme"] == "https"
    assert (v["HTTP_HOST"], v["SERVER_NAME"], v["SERVER_PORT"]) == ("shop.example:8443", "shop.example", "8443")


def test_x_forwarded_headers_take_precedence_over_forwarded(wsgi):
    v, _ = environ(wsgi, [("Forwarded", "for=198.51.100.66;proto=https"), ("X-Forwarded-For", "203.0.113.9")])
    assert (v["REMOTE_ADDR"], v["wsgi.url_scheme"]) == ("203.0.113.9", "http")


@pytest.mark.parametrize("source", ["127.0.0.1", "127.10.200.255", "127.99.0.100", "127.0.90.9"])
def test_the_peer_address_is_the_clients_own(wsgi, source):
    v, port = environ(wsgi, source=source)  # every octet width, as the accepted socket's address is written out
    assert (v["REMOTE_ADDR"], v["REMOTE_PORT"]) == (source, str(port))


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(wsgi):
    v, port = environ(wsgi, SPOOF, source="127.0.0.2")
    assert (v["REMOTE_ADDR"], v["REMOTE_PORT"]) == ("127.0.0.2", str(port))
    assert v["wsgi.url_scheme"] == "http"
    assert v["HTTP_HOST"] == "test"
    assert v["HTTP_X_FORWARDED_FOR"] == "6.6.6.6"  # passed through as an ordinary header, never believed


@pytest.mark.parametrize("headers", [
    [("X-Forwarded-For", "not-an-ip")],
    [("X-Forwarded-For", "203.0.113.9, garbage")],
    [("X-Forwarded-Proto", "gopher")],
    [("X-Forwarded-Host", "evil.example/path?x")],
    [("Forwarded", 'for="203.0.113.9')],
    [("Forwarded", "for=203.0.113.9;for=203.0.113.10")],
    [("Forwarded", "for=_hidden")],
])
def test_malformed_values_are_ignored_not_a_500(wsgi, headers):
    v, port = environ(wsgi, headers)
    assert (v["REMOTE_ADDR"], v["REMOTE_PORT"], v["wsgi.url_scheme"], v["HTTP_HOST"]) == (
        "127.0.0.1", str(port), "http", "test")


def test_cidr_blocks_and_star(updraft):
    cidr = updraft("environ_app:app", "--forwarded-allow-ips", "10.0.0.0/8, 127.0.0.0/30")
    assert environ(cidr, [("X-Forwarded-For", "203.0.113.9, 10.9.9.9")], source="127.0.0.2")[0]["REMOTE_ADDR"] == \
        "203.0.113.9"
    assert environ(cidr, [("X-Forwarded-For", "203.0.113.9")], source="127.0.0.4")[0]["REMOTE_ADDR"] == "127.0.0.4"
    star = updraft("environ_app:app", "--forwarded-allow-ips", "*")
    assert environ(star, [("X-Forwarded-For", "203.0.113.9")], source="127.0.0.9")[0]["REMOTE_ADDR"] == "203.0.113.9"


def test_the_environment_variable_sets_the_list_as_in_gunicorn(updraft):
    server = updraft("environ_app:app", env={"FORWARDED_ALLOW_IPS": "127.0.0.2"})
    assert environ(server, [("X-Forwarded-For", "203.0.113.9")], source="127.0.0.2")[0]["REMOTE_ADDR"] == "203.0.113.9"
    assert environ(server, [("X-Forwarded-For", "203.0.113.9")])[0]["REMOTE_ADDR"] == "127.0.0.1"


def test_an_ipv6_peer_is_trusted_only_when_listed(updraft):
    for allowed, expected in (("127.0.0.1", "::1"), ("::1", "203.0.113.9")):
        server = updraft("environ_app:app", "--forwarded-allow-ips", allowed, binds=("[::1]:0",))
        env, _ = request_json(server.port, "/", [("X-Forwarded-For", "203.0.113.9")], source="::1", host="::1",
                              family=socket.AF_INET6)
        assert env["REMOTE_ADDR"]["value"] == expected


def test_a_bad_list_is_refused_before_binding():
    r = subprocess.run([UPDRAFT, "--pythonpath", APPS_DIR, "--forwarded-allow-ips", "127.0.0.1,localhost",
                        "environ_app:app"], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "not an IP address or CIDR block: 'localhost'" in r.stderr
    assert "listening" not in r.stdout


def test_native_remote_ip_and_protocol_from_a_trusted_proxy(native):
    got, _ = request_json(native.port, "/client", [("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-Proto", "https"),
                                                    ("X-Forwarded-Host", "shop.example")])
    assert got == {"remote_ip": "203.0.113.9", "remote_port": 0, "protocol": "https", "host": "shop.example"}
    got, _ = request_json(native.port, "/client", [("Forwarded", 'for="198.51.100.3:999";proto=https')])
    assert (got["remote_ip"], got["remote_port"], got["protocol"]) == ("198.51.100.3", 999, "https")


def test_native_ignores_a_spoofed_header_from_an_untrusted_peer(native):
    got, port = request_json(native.port, "/client", SPOOF, source="127.0.0.2")
    assert got == {"remote_ip": "127.0.0.2", "remote_port": port, "protocol": "http", "host": "test"}


def test_native_servers_take_the_flag(server_factory):
    server = server_factory("native_test_app", "--forwarded-allow-ips", "127.0.0.2/32")
    assert request_json(server.port, "/client", SPOOF[:1], source="127.0.0.2")[0]["remote_ip"] == "6.6.6.6"
    assert request_json(server.port, "/client", SPOOF[:1])[0]["remote_ip"] == "127.0.0.1"
