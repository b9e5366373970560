"""Support for the end-to-end tests: server processes, raw-socket HTTP/1.x, http.client requests and metrics."""
import base64
import http.client
import os
import random
import re
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections import namedtuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BIN_DIR = os.environ.get("UPDRAFT_BIN_DIR", os.path.join(ROOT, "build", "bin"))
UPDRAFT = os.path.join(BIN_DIR, "updraft")
PLUGIN = os.path.abspath(os.path.join(BIN_DIR, "..", "lib", "libhello_plugin.so"))
APPS_DIR = os.path.join(HERE, "wsgi_apps")
FLASK_DIR = os.path.join(ROOT, "samples", "flask")
DJANGO_DIR = os.path.join(ROOT, "samples", "django")
DJANGO_STATIC_DIR = os.path.join(BIN_DIR, "..", "samples", "django", "static")  # collectstatic's, by the build

# Sanitizer builds (scripts/test-sanitizers.sh sets UPDRAFT_SANITIZED) run several times slower and keep freed memory
# resident: upper bounds on durations are multiplied by SLACK, and tests skip or shrink their memory bounds.
SANITIZED = bool(os.environ.get("UPDRAFT_SANITIZED"))
SLACK = 3 if SANITIZED else 1
FAST = 0.1 * SLACK  # how long "answers at once" may take


# --- sanitizer reports ---

SANITIZER_REPORT = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|WARNING: ThreadSanitizer|runtime error: ")


def assert_clean(error_log, what="server"):
    """Raises AssertionError quoting the first sanitizer report found in error_log (str or bytes)."""
    if isinstance(error_log, bytes):
        error_log = error_log.decode("utf-8", "replace")
    m = SANITIZER_REPORT.search(error_log)
    if m:
        start = max(0, m.start() - 200)
        raise AssertionError(f"{what} printed a sanitizer report:\n{error_log[start:start + 4000]}")


# --- server processes ---

PORT = re.compile(r"^[a-z]+://[^/]+:(\d+)/$")


def free_port():
    """A free port below the kernel's ephemeral range, so that no server bound to port 0 and no client connection
    of a test running beside this one (nor one of theirs lingering in TIME_WAIT) can take it meanwhile."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        ephemeral_low = int(f.read().split()[0])
    for _ in range(100):
        port = random.randrange(1024, max(ephemeral_low, 1025))
        if port_is_free(port):
            return port
    with socket.socket() as s:  # no free port below the range: an ephemeral one, as before
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return sorted(int(p) for p in f.read().split())


def wait_children(pid, count, timeout=10 * SLACK):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = children(pid)
        if len(kids) == count:
            return kids
        time.sleep(0.05)
    raise AssertionError(f"{pid} has children {children(pid)}, not {count}")


class ServerProcess:
    """A server from build/bin (hello, native_test_app, mixed, kv, updraft): its listeners from its
    'NAME listening on SCHEME://HOST:PORT/' (or 'unix:PATH') lines, its stdout kept in memory by a thread (so a chatty
    server never blocks on it), its stderr in a file."""

    def __init__(self, args, listeners=1, env=None, cwd=None):
        """Starts args and waits for `listeners` 'listening on' lines; env holds extra environment variables, laid
        over this process's environment."""
        self.args = list(args)
        self.name = os.path.basename(self.args[0])
        self.host = "127.0.0.1"
        fd, self.err_path = tempfile.mkstemp(prefix=f"{self.name}-err-", suffix=".log")
        with os.fdopen(fd, "wb") as err:  # the server writes to its own copy; error_log() reads the file
            self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=err, cwd=cwd,
                                         env={**os.environ, **env} if env else None)
        self._final_log = None  # the error log once stopped (its file is gone then)
        self._lines = []
        self._cond = threading.Condition()
        self._eof = False
        self._drainer = threading.Thread(target=self._drain_stdout, daemon=True)
        self._drainer.start()
        self.listeners = []  # 'http://127.0.0.1:PORT/', 'unix:PATH', ... in the order they were printed
        self.start_lines = 0  # stdout lines up to the last 'listening on' one: what follows is the server's output
        self._wait_listening(listeners)

    def _drain_stdout(self):
        for raw in self.proc.stdout:
            with self._cond:
                self._lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cond.notify_all()
        self.proc.stdout.close()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def _wait_listening(self, count, timeout=30 * SLACK):
        prefix = f"{self.name} listening on "
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [i for i, line in enumerate(self._lines) if line.startswith(prefix)]
                if len(found) >= count:
                    self.listeners = [self._lines[i][len(prefix):] for i in found]
                    self.start_lines = found[-1] + 1
                    return
                remaining = deadline - time.monotonic()
                if self._eof or remaining <= 0:
                    break
                self._cond.wait(remaining)
        self.proc.kill()
        self.proc.wait()
        log = self.error_log()
        os.unlink(self.err_path)
        raise RuntimeError(f"{' '.join(self.args)} did not start:\n{log}")

    @property
    def ports(self):
        """The TCP ports of the listeners (a unix: listener has none)."""
        return [int(m.group(1)) for m in map(PORT.search, self.listeners) if m]

    @property
    def port(self):
        return self.ports[0]

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def connect(self, timeout=5):
        return socket.create_connection((self.host, self.port), timeout=timeout)

    def stdout_lines(self):
        """Every line the server wrote to stdout so far, its 'listening on' lines included."""
        with self._cond:
            return list(self._lines)

    def stdout_text(self):
        return "\n".join(self.stdout_lines())

    def wait_stdout(self, predicate, timeout=10 * SLACK):
        """Waits until predicate(list of stdout lines) is true; returns the lines."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self._lines):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("stdout never matched; it is:\n" + "\n".join(self._lines))
                self._cond.wait(remaining)
            return list(self._lines)

    def error_log(self):
        """Everything the server wrote to stderr so far, as text."""
        if self._final_log is not None:
            return self._final_log
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
        """VmRSS of the server (or of pid) in KiB."""
        with open(f"/proc/{pid or self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError(f"no VmRSS for {pid or self.proc.pid}")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signals the server and returns its exit code (killing it after timeout seconds); fails on a sanitizer
        report in its error log. Once stopped, stdout_lines() and error_log() hold all the server wrote."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._drainer.join(5)  # the rest of stdout (a worker that outlived its master may still hold it)
        if self._final_log is None:
            self._final_log = self.error_log()
            os.unlink(self.err_path)
        assert_clean(self._final_log, self.name)
        return self.proc.returncode


def start_server(name, *flags, **kwargs):
    """Starts a native executable (hello, native_test_app, mixed, kv) on a free loopback port."""
    return ServerProcess([os.path.join(BIN_DIR, name), "--port", "0", "--address", "127.0.0.1", *flags], **kwargs)


def start_updraft(app_spec, *flags, binds=("127.0.0.1:0",), pythonpath=APPS_DIR, chdir=None, env=None, cwd=None):
    """Starts the `updraft` command serving the WSGI app MODULE:CALLABLE, with a -b per bind (HOST:PORT or unix:PATH),
    --pythonpath (the test apps in wsgi_apps unless None) and --chdir if given; waits for every bind to listen."""
    args = [UPDRAFT]
    for b in binds:
        args += ["-b", b]
    if pythonpath:
        args += ["--pythonpath", pythonpath]
    args += flags
    if chdir is not None:
        args += ["--chdir", str(chdir)]
    return ServerProcess([*args, app_spec], listeners=len(binds), env=env, cwd=cwd)


def serve(app_spec, *flags, **kwargs):
    """A module fixture's body: yields a running start_updraft(...), then checks it exits 0 on SIGTERM."""
    server = start_updraft(app_spec, *flags, **kwargs)
    yield server
    code = server.stop()
    assert code == 0, f"updraft exited with {code}; error log:\n{server.error_log()}"


# --- raw-socket HTTP/1.x ---

GET = b"GET / HTTP/1.1\r\nHost: test\r\n\r\n"


def http_request(sock, method, target, headers=(), body=b"", version="HTTP/1.1"):
    """Sends one request with raw header lines (a list of (name, value)); a Host header unless one is given."""
    lines = [f"{method} {target} {version}"]
    if not any(k.lower() == "host" for k, _ in headers):
        lines.append("Host: test")
    lines += [f"{k}: {v}" for k, v in headers]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def read_until_closed(sock, timeout=5):
    """Everything the peer sends until it closes (or resets); fails if it stays open past timeout seconds."""
    deadline = time.monotonic() + timeout
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            got = b"".join(chunks)
            raise AssertionError(f"connection still open after {timeout}s; got {len(got)} bytes ending {got[-200:]!r}")
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


def is_open(sock, wait=0.3):
    """True when the peer neither closed nor sent anything within wait seconds."""
    sock.settimeout(wait)
    try:
        data = sock.recv(1, socket.MSG_PEEK)
    except socket.timeout:
        return True
    except ConnectionResetError:
        return False
    return bool(data)


class Response(namedtuple("Response", "status headers body")):
    """A response: also the tuple (status, headers, body). headers has lower-cased names, a repeated field's values
    joined with ','; raw_head is the head as sent, without its final empty line."""

    def __new__(cls, status, headers, body, raw_head=b""):
        self = super().__new__(cls, status, headers, body)
        self.raw_head = raw_head
        return self


class ResponseReader:
    """Reads successive HTTP/1.x responses from one socket (keep-alive and pipelining aware): Content-Length, chunked
    or close-delimited bodies, none for HEAD, 1xx, 204 and 304. buf holds bytes received but not yet read. Each recv
    waits at most timeout seconds; a close before a response ends raises ConnectionError. With sock None, it reads
    the bytes given as data only."""

    def __init__(self, sock, timeout=5, data=b""):
        self.sock = sock
        self.timeout = timeout
        self.buf = data

    def fill(self):
        """Receives more bytes into buf."""
        if self.sock is None:
            raise AssertionError(f"an incomplete response: {self.buf!r}")
        self.sock.settimeout(self.timeout)
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError(f"closed by the server; buffered {self.buf[:300]!r}")
        self.buf += data

    def line(self):
        """The next CRLF-ended line, without its CRLF."""
        while b"\r\n" not in self.buf:
            self.fill()
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def take(self, n):
        """The next n bytes."""
        while len(self.buf) < n:
            self.fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def head(self):
        """Reads the next response head; returns (status, headers, raw head)."""
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        raw, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = raw.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            key = k.strip().lower().decode("latin-1")
            value = v.strip().decode("latin-1")
            headers[key] = headers[key] + "," + value if key in headers else value
        return status, headers, raw

    def chunk(self):
        """Reads one chunk of a chunked body: its data, or b"" for the last chunk (which must have no trailers)."""
        size = int(self.line().split(b";")[0], 16)
        if size == 0:
            assert self.line() == b"", "trailer fields after the last chunk"
            return b""
        data = self.take(size)
        assert self.take(2) == b"\r\n"
        return data

    def read(self, method="GET"):
        """Reads the next response to a request with this method; returns a Response."""
        status, headers, raw = self.head()
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = b"".join(iter(self.chunk, b""))
        elif "content-length" in headers:
            body = self.take(int(headers["content-length"]))
        else:  # delimited by the close
            body = self.buf + (read_until_closed(self.sock, self.timeout) if self.sock is not None else b"")
            self.buf = b""
        return Response(status, headers, body, raw)


def split_responses(data):
    """The Responses in data, a byte stream of whole responses (as read_until_closed returns it)."""
    reader = ResponseReader(None, data=data)
    responses = []
    while reader.buf:
        responses.append(reader.read())
    return responses


def unix_get(path, target="/"):
    """One GET over the unix socket at path; returns its Response."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(path)
        http_request(s, "GET", target)
        return ResponseReader(s, timeout=10 * SLACK).read()


def exchange(server, method, target, headers=(), body=b"", version="HTTP/1.1", timeout=10 * SLACK):
    """One request on a fresh connection; returns its Response."""
    with server.connect() as s:
        http_request(s, method, target, headers, body, version)
        return ResponseReader(s, timeout).read(method)


# --- requests over http.client, and the Prometheus metrics ---

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$")


class Reply:
    def __init__(self, status, headers, body, seconds):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def get(server, path, conn=None, method="GET", body=None, headers=None, timeout=30):
    """One request (on conn if given, else on a fresh connection); returns a Reply with the time it took."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    try:
        start = time.monotonic()
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, data, time.monotonic() - start)
    finally:
        if own:
            conn.close()


class Background:
    """Requests started on their own threads; join() returns their Replies (or raises what they raised)."""

    def __init__(self, server, paths):
        self.replies = [None] * len(paths)
        self.errors = []
        self.threads = [threading.Thread(target=self._run, args=(server, i, p), daemon=True)
                        for i, p in enumerate(paths)]
        for t in self.threads:
            t.start()

    def _run(self, server, i, path):
        try:
            self.replies[i] = get(server, path)
        except Exception as e:  # reported by join()
            self.errors.append(e)

    def join(self, timeout=30):
        for t in self.threads:
            t.join(timeout)
            assert not t.is_alive(), "a background request never finished"
        if self.errors:
            raise self.errors[0]
        return self.replies


def metrics(server, path="/native/metrics"):
    """Scrapes the Prometheus endpoint: {'name' or 'name{labels}': value}; checks every line's syntax."""
    r = get(server, path)
    assert r.status == 200, r.text
    assert r.headers["content-type"] == "text/plain; version=0.0.4"
    values = {}
    for line in r.text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* \S", line), line
            continue
        m = SAMPLE.match(line)
        assert m, f"not a Prometheus sample line: {line!r}"
        values[m.group(1)] = float(m.group(2))
    return values


def wait_metric(server, name, predicate, timeout=10, path="/native/metrics"):
    """Polls the metrics until predicate(value of name) holds; returns all the values then."""
    deadline = time.monotonic() + timeout
    while True:
        values = metrics(server, path)
        if predicate(values.get(name)):
            return values
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} is {values.get(name)} after {timeout}s; metrics: {values}")
        time.sleep(0.05)


def responses(values, status):
    return values.get(f'updraft_responses_total{{status="{status}"}}', 0)


def wait_counted(server, before, expected, path="/native/metrics", timeout=5):
    """Polls the metrics until updraft_responses_total grew by exactly expected ({status: n}) since before (a 200 count
    also by the scrapes made here); a response is counted just after its last byte is written, so counts may lag."""
    deadline = time.monotonic() + timeout
    scrapes = 1  # the one that produced `before`
    while True:
        values = metrics(server, path)
        got = {status: responses(values, status) - responses(before, status) for status in expected}
        target = {s: n + (scrapes if s == 200 else 0) for s, n in expected.items()}
        if got == target:
            return values
        over = {s: n for s, n in got.items() if n > target[s]}
        assert not over, f"responses counted {got}, expected {target}"
        assert time.monotonic() < deadline, f"responses counted {got} after {timeout}s, expected {target}"
        scrapes += 1
        time.sleep(0.05)


# --- WebSockets: frames by hand, for what no client library would send ---

KEY = base64.b64encode(os.urandom(16)).decode()
HANDSHAKE = [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", KEY),
             ("Sec-WebSocket-Version", "13")]
TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0


def frame(opcode, payload=b"", fin=True, rsv=0, mask=True, length=None):
    """A client frame: masked unless told otherwise; length may claim more than the payload holds."""
    n = len(payload) if length is None else length
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    bit = 0x80 if mask else 0
    if n < 126:
        head = bytes([first, bit | n])
    elif n < 65536:
        head = bytes([first, bit | 126]) + struct.pack("!H", n)
    else:
        head = bytes([first, bit | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def close_payload(code, reason=b""):
    return struct.pack("!H", code) + reason


class RawWebSocket:
    """A WebSocket opened by hand on a socket, for frames no client library would send."""

    def __init__(self, server, first_frames=b"", path="/ws/echo", rcvbuf=None, extensions=None):
        """rcvbuf: a receive buffer size set before connecting (a small one makes a client that the server fills);
        extensions: a Sec-WebSocket-Extensions value to offer."""
        if rcvbuf is None:
            self.sock = server.connect()
        else:
            self.sock = socket.socket()
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            self.sock.settimeout(5)
            self.sock.connect((server.host, server.port))
        head = [("Host", f"127.0.0.1:{server.port}")] + HANDSHAKE
        if extensions is not None:
            head.append(("Sec-WebSocket-Extensions", extensions))
        lines = "".join(f"{k}: {v}\r\n" for k, v in head)
        self.sock.sendall(f"GET {path} HTTP/1.1\r\n{lines}\r\n".encode() + first_frames)
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            data = self.sock.recv(65536)
            assert data, "closed during the handshake"
            self.buf += data
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.head = head.decode("latin-1")
        assert self.head.startswith("HTTP/1.1 101 "), self.head

    def _take(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_frame(self):
        """(opcode, payload, fin) of the next server frame, which must not be masked."""
        b0, b1 = self._take(2)
        assert b1 & 0x80 == 0, "a server frame must not be masked"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._take(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._take(8))[0]
        return b0 & 0x0F, self._take(n), bool(b0 & 0x80)

    def expect_close(self, code):
        """The server's Close frame with code, then the end of the connection."""
        opcode, payload, _ = self.read_frame()
        assert opcode == CLOSE, (opcode, payload)
        assert struct.unpack("!H", payload[:2])[0] == code, payload
        self.sock.settimeout(5)
        assert self.sock.recv(65536) == b""
        return payload[2:]

    def send(self, data):
        self.sock.sendall(data)
