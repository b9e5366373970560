"""Slow clients never hold a WSGI thread: bodies are read whole by the loop first, and output a client does not take is
spooled (memory, then an unlinked temporary file) while the thread goes on to the next request."""
import hashlib
import os
import socket
import threading
import time

import pytest
import requests

from support import SANITIZED, SLACK, ResponseReader, start_updraft

MIB = 1 << 20


def expected_download(mib):
    h = hashlib.sha256()
    for i in range(mib):
        h.update(i.to_bytes(4, "big") * (MIB // 4))
    return h.hexdigest()


def spool_files(server, spool_dir):
    """The server's open descriptors on (unlinked) files in spool_dir."""
    fd_dir = f"/proc/{server.proc.pid}/fd"
    found = []
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except FileNotFoundError:
            continue
        if target.startswith(str(spool_dir) + "/"):
            found.append(target)
    return found


def read_download(sock, pause=0.0):
    """Reads one Content-Length response; returns (status, sha256 of its body). Sleeps pause between reads."""
    reader = ResponseReader(sock, timeout=60)
    status, headers, _ = reader.head()
    length = int(headers["content-length"])
    h = hashlib.sha256(reader.buf)
    got = len(reader.buf)
    while got < length:
        time.sleep(pause)
        data = sock.recv(min(65536, length - got))
        if not data:
            break
        h.update(data)
        got += len(data)
    return status, h.hexdigest()


def normal_requests(server, count):
    """count keep-alive GETs; returns (statuses, slowest seconds)."""
    statuses, slowest = [], 0.0
    with requests.Session() as s:
        for _ in range(count):
            start = time.monotonic()
            statuses.append(s.get(server.url + "/", timeout=30).status_code)
            slowest = max(slowest, time.monotonic() - start)
    return statuses, slowest


def slow_upload(server, chunked, results, pieces=10, pause=0.5):
    """Sends a 100 KiB body whose last bytes trickle in one per `pause` seconds; records the answer."""
    body = os.urandom(100 * 1024)
    with server.connect(timeout=60) as s:
        if chunked:
            s.sendall(b"POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
            s.sendall(b"%x\r\n" % (len(body) - pieces) + body[:-pieces] + b"\r\n")
            for i in range(pieces):
                time.sleep(pause)
                s.sendall(b"1\r\n" + body[len(body) - pieces + i:][:1] + b"\r\n")
            s.sendall(b"0\r\n\r\n")
        else:
            s.sendall(b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % len(body))
            s.sendall(body[:-pieces])
            for i in range(pieces):
                time.sleep(pause)
                s.sendall(body[len(body) - pieces + i:][:1])
        r = ResponseReader(s, timeout=10 * SLACK).read("POST")
        results.append((r.status, r.body == f"{len(body)} {hashlib.sha256(body).hexdigest()}".encode()))


@pytest.fixture
def server(tmp_path):
    # Under TSan, filling the spools of eight 32 MiB downloads keeps the four threads busy for seconds: the queue
    # timeout scales with the sanitizers' slack.
    s = start_updraft("slow_clients_app:app", "--threads", "4", "--queue-timeout", str(2 * SLACK), "--spool-dir",
                      str(tmp_path))
    yield s
    assert s.stop() == 0


def test_slow_uploaders_do_not_hold_the_threads(server):
    results = []
    uploaders = [threading.Thread(target=slow_upload, args=(server, chunked, results)) for chunked in (False, True) * 4]
    for t in uploaders:
        t.start()
    time.sleep(0.5)  # every uploader is now trickling its last bytes
    statuses, slowest = normal_requests(server, 200)
    for t in uploaders:
        t.join()
    assert statuses == [200] * 200  # held threads would make these 503s after the 2 s queue timeout
    # Each thread fills a 32 MiB spool meanwhile; on a loaded machine the slowest took 1.6 s.
    assert slowest < 3 * SLACK
    assert results == [(200, True)] * 8


def test_clients_that_do_not_read_do_not_hold_the_threads(server, tmp_path):
    # Under TSan, producing eight 32 MiB downloads kept the four threads busy past the queue timeout: 8 MiB each there,
    # still 32 times the memory part of the spool.
    mib = 8 if SANITIZED else 32
    readers = []
    for _ in range(8):
        s = server.connect(timeout=60)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        s.sendall(b"GET /big?mib=%d HTTP/1.1\r\nHost: t\r\n\r\n" % mib)
        readers.append(s)
    rss_before = server.rss_kib()
    statuses, slowest = normal_requests(server, 200)
    assert statuses == [200] * 200  # held threads would make these 503s after the 2 s queue timeout
    # Each thread fills a 32 MiB spool meanwhile; on a loaded machine the slowest took 1.6 s.
    assert slowest < 3 * SLACK
    # What the clients have not taken waits in the spool, mostly on disk: the process stays small.
    deadline = time.monotonic() + 20 * SLACK
    while not spool_files(server, tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert spool_files(server, tmp_path)
    if not SANITIZED:
        assert server.rss_kib() - rss_before < 64 * 1024
    # Nothing is lost: each client now reads its whole download, in order.
    want = expected_download(mib)
    for s in readers:
        assert read_download(s) == (200, want)
        s.close()
    deadline = time.monotonic() + 10 * SLACK
    while spool_files(server, tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert spool_files(server, tmp_path) == []


def test_a_slow_reader_gets_every_byte_in_order(server):
    with server.connect(timeout=60) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        s.sendall(b"GET /big?mib=8 HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.5)
        assert read_download(s, pause=0.001) == (200, expected_download(8))


def test_past_the_spool_limit_the_app_waits_for_the_client(updraft, tmp_path):
    """--response-spool-max bounds the disk a client can make the server use: past it, the thread waits again."""
    server = updraft("slow_clients_app:app", "--threads", "1", "--queue-timeout", "1", "--spool-dir", str(tmp_path),
                     "--response-buffer", "65536", "--response-spool-max", "1048576")
    s = server.connect(timeout=60)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    s.sendall(b"GET /big?mib=64 HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(1)
    assert requests.get(server.url + "/", timeout=30).status_code == 503  # the one thread waits for the reader
    assert read_download(s) == (200, expected_download(64))
    assert requests.get(server.url + "/", timeout=30).status_code == 200
    s.close()
