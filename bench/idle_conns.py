"""Holds N idle keep-alive connections (one GET / each) to a server and reports its VmRSS growth per connection; with
--waiting PATH, N requests to PATH that are still waiting for their answer (long polling) instead."""
import argparse
import json
import resource
import selectors
import socket
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= need:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(need, hard), max(need, hard)))
    except (ValueError, PermissionError):
        if hard < need:
            sys.exit(f"idle_conns: need {need} file descriptors, hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def read_response(sock):
    """Reads one Content-Length response; fails loudly on anything else."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("connection closed before the response head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"unexpected response: {head[:80]!r}")
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise RuntimeError("response without Content-Length")
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("connection closed inside the response body")
        body += chunk


def open_idle(port, n, batch):
    socks = []
    while len(socks) < n:
        group = []
        for _ in range(min(batch, n - len(socks))):
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            s.sendall(REQUEST)
            group.append(s)
        for s in group:
            read_response(s)
        socks.extend(group)
    return socks


def open_waiting(port, n, batch, path):
    """n connections each with a request to path sent and its answer not yet read."""
    request = b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    socks = []
    while len(socks) < n:
        for _ in range(min(batch, n - len(socks))):
            s = socket.create_connection(("127.0.0.1", port), timeout=60)
            s.sendall(request)
            socks.append(s)
        time.sleep(0.001)
    return socks


def still_open(socks):
    """Counts connections the server has neither closed nor written to (nothing readable)."""
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    readable = len(sel.select(timeout=0))
    sel.close()
    return len(socks) - readable


def measure(args):
    raise_nofile(args.connections + 1024)
    # Warm up: code paths, Date cache, pools, first-request allocations.
    warm = open_idle(args.port, 1, 1)[0]
    for _ in range(50):
        warm.sendall(REQUEST)
        read_response(warm)
    for s in open_idle(args.port, 20, 20):
        s.close()
    time.sleep(args.settle)
    before = vm_rss_kib(args.pid)
    t0 = time.monotonic()
    if args.waiting:
        socks = open_waiting(args.port, args.connections, args.batch, args.waiting)
    else:
        socks = open_idle(args.port, args.connections, args.batch)
    opened_in = time.monotonic() - t0
    time.sleep(args.settle)
    after = vm_rss_kib(args.pid)
    alive = still_open(socks)  # waiting requests: none answered yet
    if args.waiting:
        for s in socks:  # every one is answered in the end
            read_response(s)
    for s in socks:
        s.close()
    warm.close()
    result = {
        "server": args.name,
        "connections": args.connections,
        "alive": alive,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "kib_per_conn": (after - before) / args.connections,
        "waiting": args.waiting or "",
        "open_seconds": round(opened_in, 2),
    }
    print(f"{args.name}: VmRSS {before} -> {after} KiB over {args.connections} connections "
          f"({alive} still open, opened in {opened_in:.1f}s): {result['kib_per_conn']:.3f} KiB/connection")
    with open(args.out, "a") as f:
        f.write(json.dumps(result) + "\n")


def report(args):
    rows = [json.loads(line) for line in open(args.file)]
    by = {r["server"]: r for r in rows}
    print(f"{'server':<10} {'conns':>6} {'open':>6} {'RSS before':>11} {'RSS after':>10} {'KiB/conn':>9}")
    for r in rows:
        print(f"{r['server']:<10} {r['connections']:>6} {r['alive']:>6} {r['rss_before_kib']:>8} KiB "
              f"{r['rss_after_kib']:>6} KiB {r['kib_per_conn']:>9.3f}")
    print()
    base = rows[0]
    for r in rows[1:]:
        ratio = base["kib_per_conn"] / r["kib_per_conn"] if r["kib_per_conn"] > 0 else float("inf")
        print(f"{base['server']}/{r['server']}: memory per idle connection {ratio:.2f}x (below 1.0 = less memory)")
    if "updraft" in by:
        limit = 2.0 if by["updraft"].get("waiting") else 1.0
        ok = by["updraft"]["kib_per_conn"] <= limit
        print(f"target <= {limit:g} KiB/connection for updraft: {'met' if ok else 'NOT met'}")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--name", required=True)
    m.add_argument("--pid", type=int, required=True, help="process whose VmRSS is measured")
    m.add_argument("--port", type=int, required=True)
    m.add_argument("--connections", type=int, default=10000)
    m.add_argument("--batch", type=int, default=100, help="connections opened at once (stay under the backlog)")
    m.add_argument("--settle", type=float, default=2.0, help="seconds to wait before reading VmRSS (idle connections give back their read buffer after about 0.5 s)")
    m.add_argument("--out", required=True, help="file to append a JSON result line to")
    m.add_argument("--waiting", help="a path whose requests stay unanswered long enough to measure (/sleep?ms=N)")
    r = sub.add_parser("report")
    r.add_argument("file")
    args = p.parse_args()
    measure(args) if args.cmd == "measure" else report(args)


if __name__ == "__main__":
    main()
