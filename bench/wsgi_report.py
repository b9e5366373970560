"""Report for the WSGI benches: `peers` (wsgi_vs_peers.sh: app x server table, ratios vs targets), `mixed` (mixed_latency.sh)."""
import argparse
import json
import statistics

import re

from wrk_report import parse, to_ms

# Issue 3's targets: updraft / best uWSGI config, updraft / no-server ceiling (None: no target for that app).
TARGETS = {"minimal": (3.0, None), "flask": (2.0, 0.7), "django": (2.0, 0.7), "echo": (None, None)}


def parse_run(path):
    """wrk_report.parse plus the connections actually in service: req/s x mean latency (Little's law).

    A server that serves few of wrk's connections at a time (uWSGI's --http11-socket holds a thread per
    keep-alive connection) shows a tiny p99: its latency figures only cover the connections it served."""
    run = parse(path)
    mean_ms = to_ms(re.search(r"^\s+Latency\s+(\S+)", open(path).read(), re.M).group(1))
    run["served"] = run["rps"] * mean_ms / 1e3
    return run


def medians(runs):
    med = {k: statistics.median(run[k] for run in runs) for k in ("rps", "p50", "p99", "cpu", "served")}
    med["errors"] = sum(run["errors"] for run in runs)
    med["runs"] = [run["rps"] for run in runs]
    return med


def best(med, prefix):
    """The config named prefix* with the highest median req/s, as (name, figures)."""
    names = [s for s in med if s.startswith(prefix)]
    return max(((s, med[s]) for s in names), key=lambda x: x[1]["rps"]) if names else (None, None)


def verdict(value, target):
    if target is None:
        return ""
    return f"  (target >= {target:.1f}x: {'met' if value >= target else 'MISSED'})"


def report_peers(args):
    ceiling_runs, ceiling_cpu_runs = {}, {}
    with open(f"{args.tmp}/ceiling.jsonl") as f:
        for line in f:
            row = json.loads(line)
            ceiling_runs.setdefault(row["app"], []).extend(row["runs"])
            ceiling_cpu_runs.setdefault(row["app"], []).extend(row["cpu_runs"])
    ceiling = {app: statistics.median(runs) for app, runs in ceiling_runs.items()}
    ceiling_cpu = {app: statistics.median(runs) for app, runs in ceiling_cpu_runs.items()}

    print(f"median of {args.reps} runs each; p50/p99 in ms; CPU = server CPU time per request")
    print("(no server) = the ceiling: the app called in a loop; its CPU column is the CPU time per call")
    print("served = connections in service on average (req/s x mean latency): below the wrk connections, some waited unserved")
    print(f"{'app':<8} {'server':<16} {'requests/s':>11} {'p50':>7} {'p99':>7} {'CPU us/req':>11} {'served':>7} {'errors':>7}   runs (req/s)")
    all_med = {}
    for app in args.apps:
        med = {s: medians([parse_run(f"{args.tmp}/wrk-{app}-{s}-{r}.txt") for r in range(1, args.reps + 1)]) for s in args.servers}
        all_med[app] = med
        runs = " ".join(f"{x:.0f}" for x in ceiling_runs[app])
        print(f"{app:<8} {'(no server)':<16} {ceiling[app]:>11.0f} {'':>7} {'':>7} {ceiling_cpu[app]:>11.1f} {'':>7} {'':>7}   {runs}")
        for s, m in med.items():
            runs = " ".join(f"{x:.0f}" for x in m["runs"])
            print(f"{app:<8} {s:<16} {m['rps']:>11.0f} {m['p50']:>7.2f} {m['p99']:>7.2f} {m['cpu']:>11.1f} {m['served']:>7.1f} {m['errors']:>7}   {runs}")
        print()

    print("updraft = its best config; each peer = its best config; req/s ratios above 1.0 = updraft faster,")
    print("p99 ratios below 1.0 = updraft lower latency")
    for app in args.apps:
        med = all_med[app]
        u_name, u = best(med, "updraft")
        if u is None:
            continue
        uwsgi_target, ceiling_target = TARGETS.get(app, (None, None))
        print(f"{app}: updraft ({u_name}) {u['rps']:.0f} req/s, p99 {u['p99']:.2f} ms")
        for prefix, target in (("uwsgi", uwsgi_target), ("gunicorn", None), ("waitress", None)):
            p_name, p = best(med, prefix)
            if p is None:
                continue
            ratio = u["rps"] / p["rps"]
            print(f"  / {p_name:<16} req/s {ratio:5.2f}x, p99 {u['p99'] / p['p99']:5.2f}x (it served {p['served']:.1f} connections)"
                  f"{verdict(ratio, target)}")
        ratio = u["rps"] / ceiling[app]
        print(f"  / {'ceiling':<16} req/s {ratio:5.2f}x{verdict(ratio, ceiling_target)}")
        # The same from CPU time (app's CPU us per call / updraft's server CPU us per request): less sensitive to other load.
        cpu_ratio = ceiling_cpu[app] / u["cpu"]
        print(f"  / {'ceiling, by CPU':<16} req/s {cpu_ratio:5.2f}x{verdict(cpu_ratio, ceiling_target)}")


def report_mixed(args):
    """Native /native/hello with the WSGI pool idle vs saturated; issue 4's targets."""
    med = {m: medians([parse_run(f"{args.tmp}/wrk-{m}-{r}.txt") for r in range(1, args.reps + 1)]) for m in ("idle", "saturated")}
    print(f"median of {args.reps} runs each; p50/p99 in ms; CPU = server CPU time per request")
    print(f"{'WSGI pool':<10} {'requests/s':>11} {'p50':>7} {'p99':>7} {'CPU us/req':>11} {'errors':>7}   runs (req/s)")
    for mode, m in med.items():
        runs = " ".join(f"{x:.0f}" for x in m["runs"])
        print(f"{mode:<10} {m['rps']:>11.0f} {m['p50']:>7.2f} {m['p99']:>7.2f} {m['cpu']:>11.1f} {m['errors']:>7}   {runs}")
    p99 = med["saturated"]["p99"] / med["idle"]["p99"]
    rps = med["saturated"]["rps"] / med["idle"]["rps"]
    print()
    print(f"saturated/idle p99:        {p99:.2f}x  (target <= 1.5x: {'met' if p99 <= 1.5 else 'MISSED'})")
    print(f"saturated/idle requests/s: {rps:.2f}x  (target >= 0.9x: {'met' if rps >= 0.9 else 'MISSED'})")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    sub = ap.add_subparsers(dest="kind", required=True)
    peers = sub.add_parser("peers", help="wsgi_vs_peers.sh")
    peers.add_argument("tmp")
    peers.add_argument("reps", type=int)
    peers.add_argument("--apps", nargs="+", required=True)
    peers.add_argument("--servers", nargs="+", required=True)
    mixed = sub.add_parser("mixed", help="mixed_latency.sh")
    mixed.add_argument("tmp")
    mixed.add_argument("reps", type=int)
    args = ap.parse_args()
    (report_peers if args.kind == "peers" else report_mixed)(args)


if __name__ == "__main__":
    main()
