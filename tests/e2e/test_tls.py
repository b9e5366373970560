"""TLS listeners (--certfile, --keyfile, --ca-certs, --ciphers, --cert-reqs) with real clients (Python's ssl,
http.client and requests, curl) against certificates the openssl command makes here: https for WSGI
(wsgi.url_scheme) and native handlers, ALPN http/1.1, TLS 1.2+ only, plain HTTP and silent clients closed and
counted, --ciphers, client certificates, a PROXY header before TLS, responses through the sendfile path, wss,
SIGHUP reloading the certificate (alone and under the -w N master), and bad files refused before binding with one
line."""
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import warnings

import pytest
import requests

from support import (APPS_DIR, BIN_DIR, HANDSHAKE, SAMPLE, SLACK, TEXT, UPDRAFT, frame, read_until_closed, start_server,
                     start_updraft)

sys.path.insert(0, APPS_DIR)
import tls_app  # noqa: E402  (the digest of its bodies)

DONE = "updraft_tls_handshakes_total"
FAILED = "updraft_tls_handshake_failures_total"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_cert(d, name, serial, ca=True, san="subjectAltName=IP:127.0.0.1,DNS:localhost"):
    """An EC key and a certificate for it, signed by d's CA (or self-signed): d/name.pem and d/name.key."""
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
            f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
    with open(os.path.join(d, f"{name}.ext"), "w") as f:
        f.write(san + "\n")
    signer = ["-CA", "ca.pem", "-CAkey", "ca.key"] if ca else ["-signkey", f"{name}.key"]
    openssl("x509", "-req", "-in", f"{name}.csr", *signer, "-set_serial", str(serial), "-days", "2", "-extfile",
            f"{name}.ext", "-out", f"{name}.pem", cwd=d)


@pytest.fixture(scope="module")
def certs():
    d = tempfile.mkdtemp(prefix="updraft-tls-")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
            "/CN=updraft test CA", "-days", "2", "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    make_cert(d, "server", 1001)
    make_cert(d, "renewed", 2002)
    make_cert(d, "client", 3003, san="extendedKeyUsage=clientAuth")
    make_cert(d, "rogue", 4004, ca=False, san="extendedKeyUsage=clientAuth")
    yield d
    shutil.rmtree(d)


def client_context(certs, cert=None):
    ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
    if cert:
        ctx.load_cert_chain(os.path.join(certs, f"{cert}.pem"), os.path.join(certs, f"{cert}.key"))
    return ctx


def tls_flags(certs, name="server"):
    return ["--certfile", os.path.join(certs, f"{name}.pem"), "--keyfile", os.path.join(certs, f"{name}.key")]


def https_get(server, path, ctx, conn=None):
    own = conn is None
    if own:
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=ctx, timeout=10 * SLACK)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        if own:
            conn.close()


def tls_metrics(server, ctx):
    status, body = https_get(server, "/metrics", ctx)
    assert status == 200
    return {m.group(1): float(m.group(2)) for m in map(SAMPLE.match, body.decode().splitlines()) if m}


def wait_failures(server, ctx, at_least, timeout=5 * SLACK):
    deadline = time.monotonic() + timeout
    while True:
        values = tls_metrics(server, ctx)
        if values[FAILED] >= at_least or time.monotonic() > deadline:
            return values[FAILED]
        time.sleep(0.05)


def served_serial(port, certs):
    with socket.create_connection(("127.0.0.1", port), timeout=5 * SLACK) as raw:
        with client_context(certs).wrap_socket(raw, server_hostname="localhost") as s:
            return int(s.getpeercert()["serialNumber"], 16)


@pytest.fixture(scope="module")
def wsgi(certs):
    server = start_updraft("tls_app:app", *tls_flags(certs), "--metrics-path", "/metrics")
    yield server
    assert server.stop() == 0


@pytest.fixture(scope="module")
def native(certs):
    server = start_server("hello", *tls_flags(certs), "--header-timeout", "1")
    yield server
    assert server.stop() == 0


def test_wsgi_app_sees_https(wsgi, certs):
    assert wsgi.listeners[0].startswith("https://")
    status, body = https_get(wsgi, "/", client_context(certs))
    assert status == 200
    environ = json.loads(body)
    assert environ["url_scheme"] == "https"
    assert environ["host"] == f"127.0.0.1:{wsgi.port}"
    r = requests.get(f"https://localhost:{wsgi.port}/", verify=os.path.join(certs, "ca.pem"), timeout=10)
    assert r.json()["url_scheme"] == "https"


def test_curl_with_cacert(wsgi, native, certs):
    for server, expected in ((wsgi, b'"url_scheme": "https"'), (native, b"Hello, World!")):
        out = subprocess.run(["curl", "-sS", "--cacert", os.path.join(certs, "ca.pem"),
                              f"https://localhost:{server.port}/"], capture_output=True, timeout=10 * SLACK)
        assert out.returncode == 0, out.stderr
        assert expected in out.stdout
    # Without the CA, curl refuses the certificate: it really is the one made here.
    out = subprocess.run(["curl", "-sS", f"https://localhost:{native.port}/"], capture_output=True, timeout=10)
    assert out.returncode == 60, out.stderr


def test_large_bodies_both_ways(wsgi, native, certs):
    ctx = client_context(certs)
    n = 3 * 1024 * 1024 + 17  # past --response-buffer: spooled, then sent by the stream's file path
    conn = http.client.HTTPSConnection("127.0.0.1", wsgi.port, context=ctx, timeout=30 * SLACK)
    for path in (f"/big?n={n}", f"/file?n={n}", "/big?n=5"):  # one keep-alive connection
        status, body = https_get(wsgi, path, ctx, conn)
        assert status == 200 and len(body) == int(path.partition("=")[2])
        assert hashlib.sha256(body).hexdigest() == tls_app.digest(len(body))
    conn.close()
    payload = os.urandom(2 * 1024 * 1024)
    conn = http.client.HTTPSConnection("127.0.0.1", native.port, context=ctx, timeout=30 * SLACK)
    conn.request("POST", "/echo", body=payload, headers={"Content-Type": "application/octet-stream"})
    r = conn.getresponse()
    assert r.status == 200 and r.read() == payload
    conn.close()


def test_pipelined_requests_past_the_read_buffer(native, certs):
    """100 KiB of requests in one write, the first answered after a pause (the stream stops reading): its 16 KiB
    buffer fills while records wait in the TLS session, and the socket has nothing more to say."""
    request = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 300 + b"\r\n\r\n"
    count = 300
    with socket.create_connection(("127.0.0.1", native.port), timeout=5 * SLACK) as raw:
        with client_context(certs).wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(b"GET /sleep?ms=100 HTTP/1.1\r\nHost: x\r\n\r\n" + request * count)
            answers = b""
            while answers.count(b"Hello, World!") < count:
                chunk = s.recv(65536)
                assert chunk, f"closed after {answers.count(b'HTTP/1.1 200 ')} responses"
                answers += chunk
            assert answers.count(b"HTTP/1.1 200 ") == count + 1 and answers.count(b"slept 100 ms") == 1


def test_alpn_answers_http11(native, certs):
    ctx = client_context(certs)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", native.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            assert s.selected_alpn_protocol() == "http/1.1"
            assert s.version() in ("TLSv1.2", "TLSv1.3")


def test_tls12_accepted_and_tls11_refused(wsgi, certs):
    ctx = client_context(certs)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection(("127.0.0.1", wsgi.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            assert s.version() == "TLSv1.2"
    failures = tls_metrics(wsgi, client_context(certs))[FAILED]
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname = False
    old.verify_mode = ssl.CERT_NONE
    old.set_ciphers("DEFAULT:@SECLEVEL=0")  # lets this client offer TLS 1.1 at all
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the point: a client offering TLS 1.1 only
        old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1
    with socket.create_connection(("127.0.0.1", wsgi.port), timeout=5) as raw:
        with pytest.raises(ssl.SSLError, match="PROTOCOL_VERSION|protocol version|UNSUPPORTED_PROTOCOL"):
            old.wrap_socket(raw)
    assert wait_failures(wsgi, client_context(certs), failures + 1) == failures + 1


def test_ciphers_limit_tls12(certs):
    server = start_server("hello", *tls_flags(certs), "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256")
    try:
        for offered, accepted in (("ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256", True),
                                  ("ECDHE-ECDSA-CHACHA20-POLY1305", False)):
            ctx = client_context(certs)
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers(offered)
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
                if accepted:
                    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                        assert s.cipher()[0] == "ECDHE-ECDSA-AES128-GCM-SHA256"
                else:
                    with pytest.raises(ssl.SSLError, match="HANDSHAKE_FAILURE|handshake failure"):
                        ctx.wrap_socket(raw, server_hostname="localhost")
    finally:
        assert server.stop() == 0


def test_plain_http_on_the_tls_port_closes_and_counts(wsgi, certs):
    ctx = client_context(certs)
    before = tls_metrics(wsgi, ctx)
    with socket.create_connection(("127.0.0.1", wsgi.port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        start = time.monotonic()
        assert b"HTTP/1.1" not in read_until_closed(s, timeout=5 * SLACK)
        assert time.monotonic() - start < 1 * SLACK
    after = tls_metrics(wsgi, ctx)
    assert after[FAILED] == before[FAILED] + 1
    assert after[DONE] == before[DONE] + 1  # the scrape's own handshake, and that one only


def test_silent_and_slow_clients_are_closed_at_the_handshake_timeout(native):
    for first in (b"", b"\x16\x03\x01"):  # nothing at all, and a ClientHello cut short
        with socket.create_connection(("127.0.0.1", native.port), timeout=5) as s:
            s.sendall(first)
            start = time.monotonic()
            assert read_until_closed(s, timeout=5 * SLACK) == b""
            assert 0.5 < time.monotonic() - start < 3 * SLACK  # --header-timeout 1, checked every quarter second


def test_wss_echo(native, certs):
    with socket.create_connection(("127.0.0.1", native.port), timeout=5) as raw:
        with client_context(certs).wrap_socket(raw, server_hostname="localhost") as s:
            head = "".join(f"{k}: {v}\r\n" for k, v in [("Host", f"localhost:{native.port}")] + HANDSHAKE)
            s.sendall(f"GET /ws/echo HTTP/1.1\r\n{head}\r\n".encode())
            response = b""
            while b"\r\n\r\n" not in response:
                response += s.recv(4096)
            assert response.startswith(b"HTTP/1.1 101 "), response
            message = b"over TLS " * 5000  # several records each way
            s.sendall(frame(TEXT, message))
            echoed = response.partition(b"\r\n\r\n")[2]
            while len(echoed) < len(message) + 4:
                echoed += s.recv(65536)
            assert echoed[:4] == bytes([0x81, 126]) + len(message).to_bytes(2, "big")  # FIN text, 16-bit length
            assert echoed[4:] == message


@pytest.mark.parametrize("cert_reqs", ["1", "2"])
def test_client_certificates(certs, cert_reqs):
    server = start_server("hello", *tls_flags(certs), "--ca-certs", os.path.join(certs, "ca.pem"), "--cert-reqs",
                          cert_reqs)
    try:
        status, body = https_get(server, "/", client_context(certs, "client"))
        assert (status, body) == (200, b"Hello, World!")
        with pytest.raises((ssl.SSLError, ConnectionError)):  # one the CA did not sign
            https_get(server, "/", client_context(certs, "rogue"))
        if cert_reqs == "2":  # required
            with pytest.raises((ssl.SSLError, ConnectionError)):
                https_get(server, "/", client_context(certs))
        else:  # optional
            assert https_get(server, "/", client_context(certs))[0] == 200
    finally:
        assert server.stop() == 0


def test_hup_reloads_the_certificate(certs):
    d = tempfile.mkdtemp(prefix="updraft-tls-hup-")
    for suffix in ("pem", "key"):
        shutil.copy(os.path.join(certs, f"server.{suffix}"), os.path.join(d, f"live.{suffix}"))
    server = start_server("hello", *tls_flags(d, "live"))
    try:
        assert served_serial(server.port, certs) == 1001
        kept = http.client.HTTPSConnection("127.0.0.1", server.port, context=client_context(certs), timeout=5)
        assert https_get(server, "/", None, kept)[0] == 200
        with open(os.path.join(d, "live.pem"), "w") as f:  # a bad file first: the current certificate stays
            f.write("not a certificate\n")
        server.proc.send_signal(signal.SIGHUP)
        server.wait_error_log("the current certificate stays")
        assert served_serial(server.port, certs) == 1001
        for suffix in ("pem", "key"):
            shutil.copy(os.path.join(certs, f"renewed.{suffix}"), os.path.join(d, f"live.{suffix}"))
        server.proc.send_signal(signal.SIGHUP)
        server.wait_error_log("TLS certificate reloaded")
        assert served_serial(server.port, certs) == 2002
        assert https_get(server, "/", None, kept)[0] == 200  # an open connection goes on with its session
        kept.close()
    finally:
        assert server.stop() == 0
        shutil.rmtree(d)


@pytest.mark.parametrize("kind", ["updraft -w 2", "hello --processes 2"])
def test_hup_under_the_master_serves_the_new_certificate(certs, kind):
    d = tempfile.mkdtemp(prefix="updraft-tls-master-")
    for suffix in ("pem", "key"):
        shutil.copy(os.path.join(certs, f"server.{suffix}"), os.path.join(d, f"live.{suffix}"))
    if kind.startswith("updraft"):
        server = start_updraft("tls_app:app", "-w", "2", *tls_flags(d, "live"))
    else:
        server = start_server("hello", "--processes", "2", *tls_flags(d, "live"))
    try:
        server.wait_error_log("booted worker")
        deadline = time.monotonic() + 10 * SLACK
        while True:  # the workers accept once they are up
            try:
                assert served_serial(server.port, certs) == 1001
                break
            except ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        for suffix in ("pem", "key"):
            shutil.copy(os.path.join(certs, f"renewed.{suffix}"), os.path.join(d, f"live.{suffix}"))
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20 * SLACK
        while served_serial(server.port, certs) != 2002:  # every worker replaced: only the new one answers
            assert time.monotonic() < deadline, server.error_log()
            time.sleep(0.1)
        time.sleep(1)
        assert {served_serial(server.port, certs) for _ in range(8)} == {2002}
    finally:
        assert server.stop() == 0
        shutil.rmtree(d)


def proxied_tls_get(port, certs, header):
    """GET / over TLS after a PROXY header sent in the same packet as the ClientHello (as a proxy's first write may
    be): the server must hand the bytes after the header to TLS. Returns the body, or raises if the server closed."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = client_context(certs).wrap_bio(incoming, outgoing, server_hostname="localhost")
    with socket.create_connection(("127.0.0.1", port), timeout=5 * SLACK) as s:
        def exchange(preamble=b""):
            s.sendall(preamble + outgoing.read())
            data = s.recv(65536)
            if not data:
                raise ConnectionError("the server closed the connection")
            incoming.write(data)

        preamble = header
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                exchange(preamble)
                preamble = b""
        tls.write(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        response = b""
        while b"}" not in response:
            try:
                response += tls.read(65536)
            except ssl.SSLWantReadError:
                exchange()
        return json.loads(response.partition(b"\r\n\r\n")[2])


def test_proxy_protocol_header_before_tls(certs):
    server = start_updraft("tls_app:app", *tls_flags(certs), "--proxy-protocol")
    try:
        environ = proxied_tls_get(server.port, certs, b"PROXY TCP4 198.51.100.7 127.0.0.1 40000 443\r\n")
        assert environ["remote_addr"] == "198.51.100.7"
        assert environ["url_scheme"] == "https"
        with pytest.raises((ConnectionError, ssl.SSLError)):  # a TLS client without the header is refused
            proxied_tls_get(server.port, certs, b"")
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize("problem", ["missing", "garbage", "wrong key"])
def test_bad_certificate_fails_before_binding(certs, problem, tmp_path):
    cert, key = os.path.join(certs, "server.pem"), os.path.join(certs, "server.key")
    if problem == "missing":
        cert = str(tmp_path / "nowhere.pem")
    elif problem == "garbage":
        cert = str(tmp_path / "garbage.pem")
        with open(cert, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    else:
        key = os.path.join(certs, "renewed.key")
    for args in ([UPDRAFT, "-b", "127.0.0.1:0", "--pythonpath", APPS_DIR, "tls_app:app"],
                 [UPDRAFT, "--check-config", "--pythonpath", APPS_DIR, "tls_app:app"],
                 [os.path.join(BIN_DIR, "hello"), "--port", "0", "--address", "127.0.0.1"]):
        out = subprocess.run([*args, "--certfile", cert, "--keyfile", key], capture_output=True, text=True,
                             timeout=30 * SLACK)
        assert out.returncode != 0
        assert "listening on" not in out.stdout
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1, out.stderr
        assert ("--certfile" if problem != "wrong key" else "--keyfile") in lines[0], lines[0]
