"""Turns the wrk --latency outputs of the bench scripts into a table of medians and first-server/peer ratios; with
--target, checks the first server's requests/s against the second's (--ratio A B: A's against B's, no target); with
--extra-cpu NAME, the CPU per request of the processes a script recorded as "NAME-cpu-ticks: N" (PostgreSQL, an
upstream)."""
import argparse
import os
import re
import statistics
import sys

UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    if not m:
        raise ValueError(f"unknown latency {text!r}")
    return float(m.group(1)) * UNITS_MS[m.group(2)]


def parse(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", text).group(1))
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.M))
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        errors += int(m.group(1))
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    m = re.search(r"server-cpu-ticks: (\d+) clk-tck: (\d+)", text)
    cpu_us = int(m.group(1)) * 1e6 / int(m.group(2)) / max(requests, 1)
    return {"rps": rps, "p50": to_ms(pct["50"]), "p99": to_ms(pct["99"]), "cpu": cpu_us, "errors": errors}


def extra_cpu_us(path, name):
    """CPU time per request, in microseconds, of the processes a bench script recorded as "NAME-cpu-ticks: N"."""
    text = open(path).read()
    ticks = int(re.search(rf"{name}-cpu-ticks: (\d+)", text).group(1))
    return ticks * 1e6 / os.sysconf("SC_CLK_TCK") / int(re.search(r"(\d+) requests in", text).group(1))


def main():
    args = argparse.ArgumentParser()
    args.add_argument("--target", type=float, help="the least first/second requests/s ratio")
    args.add_argument("--extra-cpu", help="NAME of other processes' CPU ticks recorded beside each run")
    args.add_argument("--ratio", nargs=2, action="append", metavar=("FIRST", "SECOND"),
                      help="also print FIRST's requests/s over SECOND's, and per core of server CPU")
    args.add_argument("tmp")
    args.add_argument("reps", type=int)
    args.add_argument("servers", nargs="+")
    args = args.parse_args()
    tmp, reps, servers = args.tmp, args.reps, args.servers
    runs = {s: [parse(f"{tmp}/wrk-{s}-{r}.txt") for r in range(1, reps + 1)] for s in servers}
    med = {
        s: {k: statistics.median(run[k] for run in runs[s]) for k in ("rps", "p50", "p99", "cpu")}
        | {"errors": sum(run["errors"] for run in runs[s])}
        for s in servers
    }
    print(f"median of {reps} runs each")
    print(f"{'server':<10} {'requests/s':>12} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/req':>11} {'errors':>7}   runs (req/s)")
    for s in servers:
        m = med[s]
        all_rps = " ".join(f"{run['rps']:.0f}" for run in runs[s])
        print(f"{s:<10} {m['rps']:>12.0f} {m['p50']:>8.2f} {m['p99']:>8.2f} {m['cpu']:>11.1f} {m['errors']:>7}   {all_rps}")
    bad = [s for s in servers if med[s]["errors"]]
    if bad:
        print(f"warning: socket errors/timeouts or non-2xx answers for {', '.join(bad)}: "
              "the machine was probably busy; rerun when it is idle")
    print()
    base = servers[0]
    for peer in servers[1:]:
        rps = med[base]["rps"] / med[peer]["rps"]
        p99 = med[base]["p99"] / med[peer]["p99"]
        cpu = med[base]["cpu"] / med[peer]["cpu"]
        print(f"{base}/{peer}: requests/s {rps:.2f}x, p99 {p99:.2f}x, server CPU per request {cpu:.2f}x"
              " (ratios of the medians; p99 and CPU: below 1.0 = better)")
        # The two servers ran back to back in each round: a ratio within a round cancels most of the
        # machine's drift between rounds.
        pairs = list(zip(runs[base], runs[peer]))
        for key, better in (("rps", "above"), ("p99", "below"), ("cpu", "below")):
            ratios = sorted(a[key] / b[key] for a, b in pairs)
            print(f"  per round, {key}: median {statistics.median(ratios):.2f}x"
                  f" (rounds: {' '.join(f'{r:.2f}' for r in ratios)}; {better} 1.0 = better)")
    if args.extra_cpu:
        for s in servers:
            paths = [f"{tmp}/wrk-{s}-{r}.txt" for r in range(1, reps + 1)]
            us = statistics.median(extra_cpu_us(path, args.extra_cpu) for path in paths)
            print(f"{s}: {args.extra_cpu} CPU per request {us:.1f} us (median)")
    if args.target is not None:
        print_ratio(med, base, servers[1], args.target)
    for first, second in args.ratio or []:
        print_ratio(med, first, second)


def print_ratio(med, first, second, target=None):
    """first's requests/s over second's (against the target, if any), and the same per core of server CPU."""
    ratio = med[first]["rps"] / med[second]["rps"]
    verdict = f" (target >= {target:g}x: {'met' if ratio >= target else 'MISSED'})" if target is not None else ""
    print(f"\n{first} / {second} requests/s: {ratio:.2f}x{verdict}")
    # When the load generator, not a server's core, limits a server, requests/s flatter the other: a saturated
    # core answers requests in inverse proportion to the CPU each costs.
    per_core = med[second]["cpu"] / med[first]["cpu"]
    print(f"per core of server CPU ({second}'s CPU per request / {first}'s): {per_core:.2f}x;"
          f" {first} used {med[first]['rps'] * med[first]['cpu'] / 1e4:.0f}% of its core,"
          f" {second} {med[second]['rps'] * med[second]['cpu'] / 1e4:.0f}%")


if __name__ == "__main__":
    main()
