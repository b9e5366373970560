"""--proxy-protocol: HAProxy's PROXY protocol v1 and v2 before HTTP, from raw sockets and from Debian's haproxy
(send-proxy, send-proxy-v2): the client it names is the request's remote address (native and WSGI, the access log
too); a missing, malformed or late header closes the connection without an answer and is counted in
updraft_proxy_protocol_errors_total."""
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time

import pytest

from support import SAMPLE, SLACK, ResponseReader, free_port, http_request, read_until_closed

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
ERRORS = "updraft_proxy_protocol_errors_total"


def v1(client="198.51.100.7", client_port=40000, family="TCP4", proxy="127.0.0.1", proxy_port=8000):
    return f"PROXY {family} {client} {proxy} {client_port} {proxy_port}\r\n".encode()


def v2(command=0x21, family=0x11, block=b""):
    return V2_SIGNATURE + bytes([command, family]) + struct.pack(">H", len(block)) + block


def inet4_block(client="198.51.100.7", client_port=40000, tlvs=b""):
    return socket.inet_aton(client) + socket.inet_aton("127.0.0.1") + struct.pack(">HH", client_port, 8000) + tlvs


def inet6_block(client="2001:db8::7", client_port=4711):
    return (socket.inet_pton(socket.AF_INET6, client) + socket.inet_pton(socket.AF_INET6, "::1") +
            struct.pack(">HH", client_port, 8000))


def tlv(kind, value):
    return bytes([kind]) + struct.pack(">H", len(value)) + value


def client_of(port, header, target="/client", headers=(), requests=1):
    """Sends the header then `requests` GETs on one connection; returns the JSON bodies."""
    with socket.create_connection(("127.0.0.1", port), timeout=10 * SLACK) as s:
        s.sendall(header)
        reader = ResponseReader(s, timeout=10 * SLACK)
        bodies = []
        for _ in range(requests):
            http_request(s, "GET", target, headers)
            r = reader.read()
            assert r.status == 200, r.body
            bodies.append(json.loads(r.body))
        return bodies if requests > 1 else bodies[0]


def refused(port, data, close=False):
    """Sends data (then half-closes if close): the server must close the connection without answering."""
    with socket.create_connection(("127.0.0.1", port), timeout=10 * SLACK) as s:
        s.sendall(data)
        if close:
            s.shutdown(socket.SHUT_WR)
        return read_until_closed(s, timeout=10 * SLACK)


def proxy_errors(port, path="/metrics"):
    """updraft_proxy_protocol_errors_total, scraped over a connection that starts with a PROXY header too."""
    with socket.create_connection(("127.0.0.1", port), timeout=10 * SLACK) as s:
        s.sendall(b"PROXY UNKNOWN\r\n")
        http_request(s, "GET", path)
        r = ResponseReader(s, timeout=10 * SLACK).read()
    assert r.status == 200, r.body
    samples = dict(m.groups() for m in map(SAMPLE.match, r.body.decode().splitlines()) if m)
    return float(samples[ERRORS])


def wait_errors(port, expected, path="/metrics"):
    """Waits until the errors counter reads expected (a close is counted as the server sees it)."""
    deadline = time.monotonic() + 5 * SLACK
    while (count := proxy_errors(port, path)) != expected:
        assert time.monotonic() < deadline, f"{ERRORS} is {count}, expected {expected}"
        time.sleep(0.05)


@pytest.fixture
def native(server_factory):
    return server_factory("native_test_app", "--threads", "1", "--proxy-protocol")


def test_v1_names_the_client_for_every_request_on_the_connection(native):
    bodies = client_of(native.port, v1(), requests=2)
    assert [(b["remote_ip"], b["remote_port"]) for b in bodies] == [("198.51.100.7", 40000)] * 2
    got = client_of(native.port, v1("2001:db8::9", 5555, "TCP6", "::1"))
    assert (got["remote_ip"], got["remote_port"]) == ("2001:db8::9", 5555)


def test_v1_unknown_and_v2_local_keep_the_connections_peer(native):
    for header in (b"PROXY UNKNOWN\r\n", v2(0x20, 0x00), v2(0x20, 0x11, inet4_block()), v2(0x21, 0x00)):
        assert client_of(native.port, header)["remote_ip"] == "127.0.0.1", header


def test_v2_over_ipv4_ipv6_and_unix_sockets_tlvs_skipped(native):
    tlvs = tlv(0x01, b"http/1.1") + tlv(0x04, b"\0" * 7) + tlv(0x20, b"\x05\0\0\0\0")
    got = client_of(native.port, v2(block=inet4_block("203.0.113.5", 61000, tlvs)))
    assert (got["remote_ip"], got["remote_port"]) == ("203.0.113.5", 61000)
    got = client_of(native.port, v2(family=0x21, block=inet6_block()))
    assert (got["remote_ip"], got["remote_port"]) == ("2001:db8::7", 4711)
    got = client_of(native.port, v2(family=0x31, block=b"/run/client.sock".ljust(216, b"\0")))
    assert (got["remote_ip"], got["remote_port"]) == ("", 0)


def test_a_header_and_a_request_in_one_write(native):
    with socket.create_connection(("127.0.0.1", native.port), timeout=10 * SLACK) as s:
        s.sendall(v1("192.0.2.44", 1234) + b"GET /client HTTP/1.1\r\nHost: a\r\n\r\n")
        assert json.loads(ResponseReader(s, timeout=10 * SLACK).read().body)["remote_ip"] == "192.0.2.44"


def test_forwarding_headers_are_judged_by_the_client_the_header_names(native):
    # 127.0.0.1 is trusted (the default list): a proxy there may name the client in X-Forwarded-For too.
    xff = [("X-Forwarded-For", "203.0.113.9")]
    assert client_of(native.port, v1("127.0.0.1"), headers=xff)["remote_ip"] == "203.0.113.9"
    # A client named by the PROXY header wrote its own headers: its X-Forwarded-For is not believed.
    assert client_of(native.port, v1("198.51.100.7"), headers=xff)["remote_ip"] == "198.51.100.7"


BROKEN = [
    (b"GET /client HTTP/1.1\r\nHost: a\r\n\r\n", False),  # plain HTTP on a PROXY listener
    (b"PROXY TCP4 198.51.100.7 127.0.0.1 40000\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", False),
    (b"PROXY TCP4 2001:db8::1 127.0.0.1 40000 80\r\n", False),
    (b"PROXY TCP4 198.51.100.7 127.0.0.1 40000 80\n", False),
    (b"PROXY UNKNOWN " + b"x" * 120 + b"\r\n", False),
    (v2(0x11, 0x11, inet4_block()), False),
    (v2(0x21, 0x11, inet4_block()[:8]), False),
    (v2(0x21, 0x11, inet4_block(tlvs=b"\x01\x00\x09ab")), False),
    (v2(0x21, 0x11, b"\0" * 5000), False),  # longer than the limit: refused from its length
    (b"PROXY TCP4 198.51.100.7 127.0.", True),  # cut short
    (v2(block=inet4_block())[:20], True),
]


@pytest.mark.parametrize("data, close", BROKEN, ids=range(len(BROKEN)))
def test_a_broken_or_missing_header_closes_the_connection_and_is_counted(native, data, close):
    assert refused(native.port, data, close) == b""
    wait_errors(native.port, 1)


def test_a_header_that_never_comes_times_out(server_factory):
    server = server_factory("native_test_app", "--proxy-protocol", "--header-timeout", "0.5")
    start = time.monotonic()
    assert refused(server.port, b"PROXY TCP4 ") == b""
    assert time.monotonic() - start < 5 * SLACK
    assert refused(server.port, b"") == b""  # says nothing at all
    wait_errors(server.port, 2)


def test_a_connection_that_leaves_without_a_byte_is_not_an_error(native):
    with socket.create_connection(("127.0.0.1", native.port)):
        pass
    assert client_of(native.port, v1())["remote_ip"] == "198.51.100.7"
    assert proxy_errors(native.port) == 0  # shown from the start, at 0


def test_wsgi_environ_and_access_log_name_the_client(updraft):
    server = updraft("environ_app:app", "--proxy-protocol", "--access-logfile", "-")
    env = client_of(server.port, v2(block=inet4_block("203.0.113.77", 51234)), target="/")
    assert (env["REMOTE_ADDR"]["value"], env["REMOTE_PORT"]["value"]) == ("203.0.113.77", "51234")
    server.wait_stdout(lambda lines: any(line.startswith("203.0.113.77 - - [") for line in lines[server.start_lines:]))
    assert refused(server.port, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n") == b""


# --- behind Debian's haproxy, in TCP mode, sending v2 and v1 headers ---

HAPROXY_CONFIG = """
global
    maxconn 256
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend v2
    bind 127.0.0.1:{v2_port}
    default_backend v2
backend v2
    server app 127.0.0.1:{app_port} send-proxy-v2
frontend v1
    bind 127.0.0.1:{v1_port}
    default_backend v1
backend v1
    server app 127.0.0.1:{app_port} send-proxy
"""


@pytest.fixture
def haproxy_ports(updraft):
    """updraft --proxy-protocol behind haproxy: (the v2 frontend's port, the v1 frontend's port, updraft)."""
    assert shutil.which("haproxy"), "haproxy is missing: scripts/install-deps.sh installs it"
    server = updraft("environ_app:app", "--proxy-protocol", "--metrics-path", "/metrics")
    v2_port, v1_port = free_port(), free_port()
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as cfg:
        cfg.write(HAPROXY_CONFIG.format(v2_port=v2_port, v1_port=v1_port, app_port=server.port))
    proc = subprocess.Popen(["haproxy", "-db", "-f", cfg.name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10 * SLACK
        for port in (v2_port, v1_port):
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert proc.poll() is None, proc.stdout.read().decode()
                    assert time.monotonic() < deadline, "haproxy did not listen"
                    time.sleep(0.05)
        yield v2_port, v1_port, server
    finally:
        proc.terminate()
        proc.wait(10)
        os.unlink(cfg.name)


def environ_through(port, source, headers=()):
    with socket.socket() as s:
        s.settimeout(10 * SLACK)
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        http_request(s, "GET", "/", headers)
        r = ResponseReader(s, timeout=10 * SLACK).read()
        assert r.status == 200, r.body
        return {k: v["value"] for k, v in json.loads(r.body).items() if k != "_probes"}, s.getsockname()[1]


def test_behind_haproxy_the_app_sees_the_client_not_haproxy(haproxy_ports):
    v2_port, v1_port, server = haproxy_ports
    for port in (v2_port, v1_port):
        env, client_port = environ_through(port, "127.0.0.3")  # haproxy itself connects from 127.0.0.1
        assert (env["REMOTE_ADDR"], env["REMOTE_PORT"]) == ("127.0.0.3", str(client_port))


def test_behind_haproxy_a_clients_spoofed_header_is_ignored(haproxy_ports):
    v2_port, _, server = haproxy_ports
    env, _ = environ_through(v2_port, "127.0.0.3", [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-Proto", "https")])
    assert (env["REMOTE_ADDR"], env["wsgi.url_scheme"]) == ("127.0.0.3", "http")
    assert proxy_errors(server.port) == 0
