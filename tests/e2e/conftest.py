"""Shared pytest fixtures: start an updraft executable on a free port and talk to it over real sockets."""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from sanitizer_reports import assert_clean

BIN_DIR = os.environ.get("UPDRAFT_BIN_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin"))
LISTENING = re.compile(rb"listening on [a-z]+://[^:]+:(\d+)/")


class ServerProcess:
    """A server started from build/bin, with its port parsed from its 'listening on' line."""

    def __init__(self, args, env=None, cwd=None):
        self.args = args
        self._err = tempfile.TemporaryFile()  # a file, not a pipe: a chatty server must never block on it
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._err, env=env, cwd=cwd)
        self.port = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = LISTENING.search(line)
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            self.proc.kill()
            self.proc.communicate()
            raise RuntimeError(f"{args[0]} did not start: {self.error_log().decode(errors='replace')}")
        self.host = "127.0.0.1"

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def connect(self, timeout=5):
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        return s

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        out, _ = self.proc.communicate()
        err = self.error_log()
        assert_clean(err, self.args[0])
        return self.proc.returncode, out, err

    def error_log(self):
        """Everything the server wrote to stderr so far."""
        self._err.seek(0)
        return self._err.read()


def start_server(name, *flags, **kwargs):
    return ServerProcess([os.path.join(BIN_DIR, name), "--port", "0", "--address", "127.0.0.1", *flags], **kwargs)


def start_updraft(app_spec, *flags, chdir=None, env=None):
    """Starts the `updraft` command serving the WSGI app MODULE:CALLABLE on a free loopback port.

    env holds extra environment variables, laid over this process's environment."""
    args = [os.path.join(BIN_DIR, "updraft"), "-b", "127.0.0.1:0", *flags]
    if chdir is not None:
        args += ["--chdir", str(chdir)]
    return ServerProcess([*args, app_spec], env={**os.environ, **env} if env else None)


def stopping_at_teardown(start):
    """A fixture body: yields start() as a factory whose servers are stopped when the test ends."""
    started = []

    def factory(*args, **kwargs):
        s = start(*args, **kwargs)
        started.append(s)
        return s

    yield factory
    for s in started:
        s.stop()


@pytest.fixture
def updraft_server():
    """start_updraft as a fixture: the servers it starts are stopped when the test ends."""
    yield from stopping_at_teardown(start_updraft)


@pytest.fixture
def server_factory():
    """start_server as a fixture: the servers it starts are stopped when the test ends."""
    yield from stopping_at_teardown(start_server)


@pytest.fixture
def hello(server_factory):
    return server_factory("hello")


@pytest.fixture
def native_app(server_factory):
    """tests/native/native_test_app.cpp on one loop thread."""
    return server_factory("native_test_app", "--threads", "1")


def recv_all(sock, timeout=5):
    """Reads until the peer closes (or the timeout passes); returns the bytes."""
    sock.settimeout(timeout)
    chunks = []
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    except socket.timeout:
        pass
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def read_response(sock, timeout=5):
    """Reads one HTTP/1.1 response with Content-Length or chunked framing; returns (status, headers, body)."""
    sock.settimeout(timeout)
    buf = b""
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError(f"closed before a full head: {buf!r}")
        buf += data
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers[k.strip().lower().decode()] = v.strip().decode()
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(rest) < n:
            data = sock.recv(65536)
            if not data:
                break
            rest += data
        return status, headers, rest[:n]
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            while b"\r\n" not in rest:
                rest += sock.recv(65536)
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(rest) < size + 2:
                rest += sock.recv(65536)
            body += rest[:size]
            rest = rest[size + 2:]
            if size == 0:
                return status, headers, body
    return status, headers, rest
