"""Raw-socket HTTP/1.1 helpers for the end-to-end tests: read until close, split a byte stream into responses."""
import os
import socket
import time

GET = b"GET / HTTP/1.1\r\nHost: test\r\n\r\n"

# Sanitizer builds (scripts/test-sanitizers.sh sets UPDRAFT_SANITIZED) run several times slower:
# upper bounds on CPU-bound durations are multiplied by this.
SANITIZED = bool(os.environ.get("UPDRAFT_SANITIZED"))
SLACK = 3 if SANITIZED else 1


def read_until_closed(sock, timeout=5):
    """Reads until the peer closes; fails the test if it is still open after timeout seconds."""
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


def split_responses(data):
    """Splits bytes holding whole Content-Length-framed responses into (status, headers, body) tuples."""
    responses = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError(f"trailing bytes that are not a response head: {data!r}")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower().decode()] = value.strip().decode()
        length = int(headers.get("content-length", "0"))
        if len(rest) < length:
            raise AssertionError(f"response body cut short: {data!r}")
        responses.append((status, headers, rest[:length]))
        data = rest[length:]
    return responses


class Reader:
    """Reads responses one at a time from a socket, keeping bytes that belong to the next one."""

    def __init__(self, sock, timeout=5):
        self.sock = sock
        self.timeout = timeout
        self.buf = b""

    def _fill(self):
        self.sock.settimeout(self.timeout)
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError(f"closed with {self.buf!r} pending")
        self.buf += data

    def _take_line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def response(self, head_request=False):
        """Returns (status, headers, body) of the next response; headers are lower-cased names."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower().decode()] = value.strip().decode()
        if head_request or status < 200 or status in (204, 304):
            return status, headers, b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self._take_line().split(b";")[0], 16)
                if size == 0:
                    while self._take_line():
                        pass
                    return status, headers, body
                body += self._take(size)
                assert self._take(2) == b"\r\n"
        return status, headers, self._take(int(headers.get("content-length", "0")))
