"""Raw-socket HTTP/1.1 helpers for the end-to-end tests: read until close, split a byte stream into responses."""
import socket
import time

GET = b"GET / HTTP/1.1\r\nHost: test\r\n\r\n"


def read_until_closed(sock, timeout=5):
    """Reads until the peer closes; fails the test if it is still open after timeout seconds."""
    deadline = time.monotonic() + timeout
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"connection still open after {timeout}s; got {b''.join(chunks)!r}")
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
