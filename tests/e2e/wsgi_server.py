"""Runs the updraft command on a test app from tests/e2e/wsgi_apps, capturing its stdout lines and its error log."""
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from sanitizer_reports import assert_clean

HERE = os.path.dirname(os.path.abspath(__file__))
BIN_DIR = os.environ.get("UPDRAFT_BIN_DIR", os.path.join(HERE, "..", "..", "build", "bin"))
UPDRAFT = os.path.join(BIN_DIR, "updraft")
APPS_DIR = os.path.join(HERE, "wsgi_apps")
LISTENING = re.compile(r"updraft listening on (\S+)")
# Sanitizer builds (scripts/test-sanitizers.sh) run several times slower and measure memory differently:
# tests scale their time limits by SLACK and skip RSS bounds.
SANITIZED = bool(os.environ.get("UPDRAFT_SANITIZED"))
SLACK = 3 if SANITIZED else 1


class Updraft:
    """One `updraft` process: its listeners from the 'listening on' lines, stdout kept in memory, stderr in a file."""

    def __init__(self, app_spec, *flags, binds=("127.0.0.1:0",), pythonpath=APPS_DIR, cwd=None, env=None,
                 wait=True):
        self.args = [UPDRAFT]
        for b in binds:
            self.args += ["-b", b]
        if pythonpath:
            self.args += ["--pythonpath", pythonpath]
        self.args += [*flags, app_spec]
        self.err_path = tempfile.mktemp(prefix="updraft-err-", suffix=".log")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self._err, cwd=cwd,
                                     env={**os.environ, **env} if env else None)
        self.lines = []
        self._cond = threading.Condition()
        self._eof = False
        threading.Thread(target=self._drain_stdout, daemon=True).start()
        self.listeners = []
        if wait:
            self.wait_listening(len(binds))

    def _drain_stdout(self):
        for raw in self.proc.stdout:
            with self._cond:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def wait_listening(self, count, timeout=30 * SLACK):
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                self.listeners = [m.group(1) for m in map(LISTENING.search, self.lines) if m]
                if len(self.listeners) >= count:
                    return
                remaining = deadline - time.monotonic()
                if self._eof or remaining <= 0:
                    break
                self._cond.wait(remaining)
        self.proc.kill()
        self.proc.wait()
        raise RuntimeError(f"{' '.join(self.args)} did not start:\n{self.error_log()}")

    @property
    def ports(self):
        return [int(re.search(r":(\d+)/$", l).group(1)) for l in self.listeners if l.startswith("http://")]

    @property
    def port(self):
        return self.ports[0]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def connect(self, timeout=5):
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def stdout_text(self):
        with self._cond:
            return "\n".join(self.lines)

    def wait_stdout(self, predicate, timeout=10 * SLACK):
        """Waits until predicate(list of stdout lines) is true; returns the lines."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.lines):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"stdout never matched; it is:\n" + "\n".join(self.lines))
                self._cond.wait(remaining)
            return list(self.lines)

    def error_log(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_error_log(self, text, timeout=10 * SLACK):
        """Waits until text appears in the error log; returns the whole log."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.error_log()
            if text in log:
                return log
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared in the error log:\n{log}")
            time.sleep(0.05)

    def rss_kib(self, pid=None):
        with open(f"/proc/{pid or self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signals the server and returns its exit code (killing it after timeout seconds); fails on a
        sanitizer report in its error log."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._err.close()
        assert_clean(self.error_log(), "updraft")
        return self.proc.returncode


def serve(app_spec, *flags, **kwargs):
    """A generator for module fixtures: yields a running server, then checks it exits 0 on SIGTERM."""
    server = Updraft(app_spec, *flags, **kwargs)
    yield server
    code = server.stop()
    assert code == 0, f"updraft exited with {code}; error log:\n{server.error_log()}"
    os.unlink(server.err_path)


@pytest.fixture
def updraft():
    """Starts Updraft servers for one test; they are stopped when it ends."""
    started = []

    def start(app_spec, *flags, **kwargs):
        s = Updraft(app_spec, *flags, **kwargs)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def http_request(sock, method, target, headers=(), body=b"", version="HTTP/1.1"):
    """Sends one request with raw header lines (a list of (name, value)); a Host header unless one is given."""
    lines = [f"{method} {target} {version}"]
    if not any(k.lower() == "host" for k, _ in headers):
        lines.append("Host: test")
    lines += [f"{k}: {v}" for k, v in headers]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def read_until_closed(sock, timeout=10 * SLACK):
    """Everything the peer sends until it closes; fails if it stays open past timeout seconds."""
    deadline = time.monotonic() + timeout
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"connection still open after {timeout}s; got {b''.join(chunks)[:500]!r}")
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


class Response:
    def __init__(self, status, headers, body, raw_head):
        self.status, self.headers, self.body, self.raw_head = status, headers, body, raw_head


class ResponseReader:
    """Reads successive HTTP/1.x responses from one socket (keep-alive and pipelining aware)."""

    def __init__(self, sock, timeout=10 * SLACK):
        self.sock = sock
        self.buf = b""
        sock.settimeout(timeout)

    def _more(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError(f"closed by the server; buffered {self.buf[:300]!r}")
        self.buf += data

    def _take(self, n):
        while len(self.buf) < n:
            self._more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _line(self):
        while b"\r\n" not in self.buf:
            self._more()
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def read(self, method="GET"):
        while b"\r\n\r\n" not in self.buf:
            self._more()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            key = k.strip().lower().decode("latin-1")
            value = v.strip().decode("latin-1")
            headers[key] = headers[key] + "," + value if key in headers else value
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    assert self._line() == b""
                    break
                body += self._take(size)
                assert self._take(2) == b"\r\n"
        elif "content-length" in headers:
            body = self._take(int(headers["content-length"]))
        else:
            body = self.buf + read_until_closed(self.sock)
            self.buf = b""
        return Response(status, headers, body, head)


def exchange(server, method, target, headers=(), body=b"", version="HTTP/1.1"):
    """One request on a fresh connection; returns the parsed Response."""
    with server.connect() as s:
        http_request(s, method, target, headers, body, version)
        return ResponseReader(s).read(method)
