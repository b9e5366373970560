"""soak.sh's driver: sends N requests to a server with repeated wrk runs and records its RSS before and after.

run:    warm up with the same load, wait, read /proc/PID/status; send at least N requests (wrk runs, each sized
        from the rate so far, until their "requests in" counts add up to N); wait, read it again; append one
        JSON line per round to --out.
report: the table, PASS/FAIL per row, exit status 1 if any row failed.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
MIN_CHUNK_S = 2
MAX_CHUNK_S = 60   # re-sized from the latest rate at least once a minute: the VM's speed drifts


def proc_status(pid):
    """VmRSS, VmHWM, RssAnon (KiB) and the open descriptor count of process pid."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0])
    out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return out


def parse_wrk(text):
    m = re.search(r"(\d+) requests in ([0-9.]+)(us|ms|s|m|h),", text)
    if not m:
        raise RuntimeError(f"no 'requests in' line in wrk's output:\n{text}")
    res = {"requests": int(m.group(1)), "seconds": float(m.group(2)) * SECONDS[m.group(3)],
           "connect": 0, "read": 0, "write": 0, "timeout": 0, "non2xx": 0}
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        res.update(zip(("connect", "read", "write", "timeout"), map(int, m.groups())))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        res["non2xx"] = int(m.group(1))
    return res


class Load:
    """Repeated wrk runs against one URL with fixed wrk arguments, counted together."""

    def __init__(self, args):
        self.args = args
        self.rate = None   # requests/s of the last wrk run: sizes the next one
        self.runs = 0

    def wrk(self, seconds, tag):
        a = self.args
        cmd = ["taskset", "-c", a.client_cpu, "wrk", "-t1", f"-c{a.connections}", f"-d{seconds}s"]
        if a.close:
            cmd += ["-H", "Connection: close"]
        cmd.append(a.url)
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        self.runs += 1
        with open(os.path.join(a.log_dir, f"wrk-{a.name}-{tag}-{self.runs}.txt"), "w") as f:
            f.write(" ".join(cmd) + "\n" + out)
        res = parse_wrk(out)
        if res["seconds"] > 0 and res["requests"] > 0:
            self.rate = res["requests"] / res["seconds"]
        return res

    def send(self, target, tag):
        """Runs wrk until at least target requests were answered; returns the summed counts."""
        total = {"requests": 0, "seconds": 0.0, "connect": 0, "read": 0, "write": 0, "timeout": 0, "non2xx": 0,
                 "wrk_runs": 0}
        wall = time.monotonic()
        while total["requests"] < target:
            left = target - total["requests"]
            if self.rate is None:
                seconds = MIN_CHUNK_S
            else:   # 2 % and one second over the estimate, so one run usually finishes the job
                seconds = min(MAX_CHUNK_S, max(MIN_CHUNK_S, math.ceil(left / self.rate * 1.02) + 1))
            res = self.wrk(seconds, tag)
            for k in res:
                total[k] += res[k]
            total["wrk_runs"] += 1
            errors = sum(res[k] for k in ("connect", "read", "write", "timeout"))
            print(f"  {self.args.name} {tag}: wrk -d{seconds}s: {res['requests']} requests "
                  f"({res['requests'] / max(res['seconds'], 1e-9):,.0f}/s), {errors} socket errors, "
                  f"{res['non2xx']} non-2xx/3xx; {total['requests']:,}/{target:,}", flush=True)
            if not os.path.exists(f"/proc/{self.args.pid}"):
                sys.exit(f"soak_run: server pid {self.args.pid} died during {self.args.name} {tag}")
            if res["requests"] == 0:
                sys.exit(f"soak_run: wrk got no answers from {self.args.url}")
        total["wall_seconds"] = time.monotonic() - wall
        return total


def cmd_run(args):
    os.makedirs(args.log_dir, exist_ok=True)
    load = Load(args)
    if args.warmup > 0:
        w = load.send(args.warmup, "warmup")
        print(f"  {args.name}: warm-up {w['requests']:,} requests", flush=True)
    for r in range(1, args.rounds + 1):
        time.sleep(args.settle)
        before = proc_status(args.pid)
        sent = load.send(args.requests, f"round{r}")
        time.sleep(args.settle)
        after = proc_status(args.pid)
        row = {"name": args.name, "round": r, "rounds": args.rounds, "connections": args.connections,
               "close": args.close, "target": args.requests, **sent,
               "before": before, "after": after}
        with open(args.out, "a") as f:
            f.write(json.dumps(row) + "\n")
        print(f"  {args.name} round {r}: VmRSS {before['VmRSS']} -> {after['VmRSS']} KiB "
              f"(RssAnon {before['RssAnon']} -> {after['RssAnon']}), VmHWM {after['VmHWM']} KiB, "
              f"fds {before['fds']} -> {after['fds']}", flush=True)


def cmd_report(args):
    rows = [json.loads(line) for line in open(args.results) if line.strip()]
    failed = False
    head = ("| phase | conns | requests (wrk) | non-2xx/3xx | socket errors | RSS before | RSS after | growth "
            "| anon growth | peak (VmHWM) | fds before→after | duration | req/s | verdict |")
    print(head)
    print("|---|" + "---:|" * 12 + "---|")
    for row in rows:
        b, a = row["before"], row["after"]
        growth = a["VmRSS"] - b["VmRSS"]
        pct = 100.0 * growth / b["VmRSS"]
        anon = a["RssAnon"] - b["RssAnon"]
        errors = row["connect"] + row["read"] + row["write"] + row["timeout"]
        why = []
        if row["requests"] < row["target"]:
            why.append("short of the target")
        if errors or row["non2xx"]:
            why.append("errors")
        if growth > args.growth_kib and pct > args.growth_pct:
            why.append(f"growth > {args.growth_kib} KiB and > {args.growth_pct:g} %")
        if a["fds"] > b["fds"]:
            why.append("descriptors left open")
        verdict = "PASS" if not why else "FAIL (" + ", ".join(why) + ")"
        failed |= bool(why)
        name = row["name"] + (f" #{row['round']}" if row["rounds"] > 1 else "")
        err_detail = (f"{errors} (c {row['connect']} r {row['read']} w {row['write']} t {row['timeout']})"
                      if errors else "0")
        print(f"| {name} | {row['connections']} | {row['requests']:,} | {row['non2xx']} | {err_detail} "
              f"| {b['VmRSS']:,} KiB | {a['VmRSS']:,} KiB | {growth:+,} KiB ({pct:+.1f} %) | {anon:+,} KiB "
              f"| {a['VmHWM']:,} KiB | {b['fds']}→{a['fds']} | {row['seconds']:.0f} s "
              f"| {row['requests'] / row['seconds']:,.0f} | {verdict} |")
    print(f"\nFAIL: a row with socket errors or non-2xx/3xx answers, fewer requests than asked, more open descriptors "
          f"after than before, or VmRSS growth above both {args.growth_kib} KiB and {args.growth_pct:g} % of before.")
    print("RESULT:", "FAIL" if failed else "PASS")
    return 1 if failed else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--name", required=True)
    r.add_argument("--pid", required=True, type=int, help="the process whose /proc/PID/status is read")
    r.add_argument("--url", required=True)
    r.add_argument("--requests", required=True, type=int)
    r.add_argument("--warmup", type=int, default=100000)
    r.add_argument("--rounds", type=int, default=1)
    r.add_argument("--connections", type=int, default=64)
    r.add_argument("--close", action="store_true", help="send Connection: close (one request per connection)")
    r.add_argument("--client-cpu", default="1")
    r.add_argument("--settle", type=float, default=2.0, help="seconds to wait before reading /proc/PID/status")
    r.add_argument("--log-dir", required=True)
    r.add_argument("--out", required=True)
    q = sub.add_parser("report")
    q.add_argument("results")
    q.add_argument("--growth-kib", type=int, default=2048)
    q.add_argument("--growth-pct", type=float, default=5.0)
    args = p.parse_args()
    if args.cmd == "run":
        cmd_run(args)
        return 0
    return cmd_report(args)


if __name__ == "__main__":
    sys.exit(main())
