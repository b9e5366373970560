"""Slow clients against one WSGI server: uploaders that send one byte every few seconds and clients that never read a
large response, while a normal client sends keep-alive requests. Prints one JSON line of what each got and the
server's memory.

usage: slow_clients.py PORT SERVER_PID [--uploaders N] [--readers N] [--mib N] [--requests N] [--interval S]
"""
import argparse
import json
import socket
import threading
import time

import requests


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def status_of(sock, deadline):
    """The status of the response on sock (reads just its head); None if none comes before deadline."""
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    buf = b""
    while b"\r\n" not in buf:
        try:
            data = sock.recv(4096)
        except OSError:
            return None
        if not data:
            return None
        buf += data
    return int(buf.split()[1])


def trickle(socks, body_len, interval):
    """Sends one body byte to every uploader each interval seconds, then reads their answers (30 s for all)."""
    for _ in range(body_len):
        time.sleep(interval)
        for s in socks:
            s.sendall(b"x")
    deadline = time.monotonic() + 30
    return [status_of(s, deadline) for s in socks]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("pid", type=int)
    ap.add_argument("--uploaders", type=int, default=100)
    ap.add_argument("--readers", type=int, default=100)
    ap.add_argument("--mib", type=int, default=100)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--interval", type=float, default=5.0)
    ap.add_argument("--body-len", type=int, default=4)
    ap.add_argument("--settle", type=float, default=5.0, help="seconds between the slow clients and the normal one")
    ap.add_argument("--give-up", type=float, default=60.0, help="seconds after which the normal client stops")
    ap.add_argument("--timeout", type=float, default=30.0, help="the normal client's timeout per request")
    a = ap.parse_args()
    addr = ("127.0.0.1", a.port)
    rss = {"start": rss_kib(a.pid)}

    uploaders = []
    for _ in range(a.uploaders):
        s = socket.create_connection(addr)
        s.sendall(b"POST /upload HTTP/1.1\r\nHost: b\r\nContent-Length: %d\r\n\r\n" % a.body_len)
        uploaders.append(s)
    upload_result = {}
    trickler = threading.Thread(target=lambda: upload_result.update(statuses=trickle(uploaders, a.body_len, a.interval)))
    trickler.start()

    readers = []
    for _ in range(a.readers):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        s.connect(addr)
        s.sendall(b"GET /big?mib=%d HTTP/1.1\r\nHost: b\r\n\r\n" % a.mib)
        readers.append(s)
    time.sleep(a.settle)
    rss["slow_clients_connected"] = rss_kib(a.pid)

    latencies, statuses = [], {}
    started = time.monotonic()
    with requests.Session() as session:
        for _ in range(a.requests):
            if time.monotonic() - started > a.give_up:  # a server whose threads are all held: stop counting
                statuses["not sent"] = statuses.get("not sent", 0) + 1
                continue
            t0 = time.monotonic()
            try:
                code = session.get(f"http://127.0.0.1:{a.port}/", timeout=a.timeout).status_code
            except requests.RequestException as e:
                code = type(e).__name__
            latencies.append(time.monotonic() - t0)
            statuses[code] = statuses.get(code, 0) + 1
    normal_seconds = time.monotonic() - started
    rss["after_normal_client"] = rss_kib(a.pid)

    trickler.join()
    deadline = time.monotonic() + 30
    reader_statuses = [status_of(s, deadline) for s in readers]
    rss["peak"] = rss_kib(a.pid, "VmHWM")
    for s in uploaders + readers:
        s.close()

    def counts(values):
        out = {}
        for v in values:
            out[str(v)] = out.get(str(v), 0) + 1
        return out

    print(json.dumps({
        "normal": {"statuses": {str(k): v for k, v in statuses.items()}, "seconds": round(normal_seconds, 2),
                   "p50_ms": round(percentile(latencies, 50) * 1000, 2),
                   "p99_ms": round(percentile(latencies, 99) * 1000, 2),
                   "max_ms": round(max(latencies) * 1000, 2)},
        "uploaders": counts(upload_result.get("statuses", [])),
        "readers": counts(reader_statuses),
        "rss_kib": rss,
    }))


if __name__ == "__main__":
    main()
