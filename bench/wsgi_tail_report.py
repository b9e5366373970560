"""Report for wsgi_tail.sh: per app and connection count, each server's requests/s, p50/p99/p99.9, tail ratio and
server CPU per request (medians over the rounds), then issue 14's targets checked for updraft (fair dispatch) at every
thread count, on the medians and round by round."""
import argparse
import os
import re
import statistics

from wrk_report import parse

PEERS = ("gunicorn", "waitress")
CPU_BOUND = ("django", "flask")


def load(path):
    run = parse(path)
    text = open(path).read()
    run.update({f"q{p}": int(us) / 1e3 for p, us in re.findall(r"^percentile ([0-9.]+): (\d+) us", text, re.M)})
    return run


def median_run(rounds):
    """Each figure's median over the rounds (errors: their sum)."""
    merged = {k: statistics.median(r[k] for r in rounds) for k in ("rps", "q50", "q99", "q99.9", "cpu")}
    merged["errors"] = sum(r["errors"] for r in rounds)
    return merged


def verdict(ok):
    return "met" if ok else "NOT met"


def check(app, run, peers, shared):
    """Issue 14's targets for one updraft run against the peers' and today's (--dispatch shared) at the same load."""
    lines = []
    if app in CPU_BOUND:
        tail = run["q99"] / run["q50"]
        lines.append(f"p99/p50 {tail:.2f} (target <= 1.5: {verdict(tail <= 1.5)})")
        if peers:
            best_p99 = min(p["q99"] for p in peers.values())
            best_rps = max(p["rps"] for p in peers.values())
            lines.append(f"p99 {run['q99'] / best_p99:.2f}x best peer's (target <= 0.8: "
                         f"{verdict(run['q99'] <= 0.8 * best_p99)})")
            lines.append(f"requests/s {run['rps'] / best_rps:.2f}x best peer's (target >= 1.0: "
                         f"{verdict(run['rps'] >= best_rps)})")
    else:
        if shared:
            lines.append(f"requests/s {run['rps'] / shared['rps']:.2f}x --dispatch shared (target >= 0.95: "
                         f"{verdict(run['rps'] >= 0.95 * shared['rps'])})")
        if peers:
            best_rps = max(p["rps"] for p in peers.values())
            lines.append(f"requests/s {run['rps'] / best_rps:.2f}x best peer's (target >= 1.0: "
                         f"{verdict(run['rps'] >= best_rps)})")
    return "; ".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tmp")
    for name in ("apps", "conns", "threads", "servers"):
        ap.add_argument(f"--{name}", nargs="+", required=True)
    ap.add_argument("--reps", type=int, default=1)
    args = ap.parse_args()
    for app in args.apps:
        for conns in args.conns:
            print(f"{app}, wrk -c{conns}")
            print(f"  {'threads':>7} {'server':<15} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} "
                  f"{'p99/p50':>8} {'CPU us/req':>11} {'errors':>7}")
            for threads in args.threads:
                runs, rounds = {}, {}
                for server in args.servers:
                    paths = [f"{args.tmp}/wrk-{app}-c{conns}-t{threads}-{server}-r{rep}.txt"
                             for rep in range(1, args.reps + 1)]
                    loaded = [load(p) for p in paths if os.path.exists(p)]
                    answered = [r for r in loaded if r["rps"] and r["q50"]]
                    if len(answered) < len(loaded) or not loaded:  # a round where every request timed out (wrk's 2 s)
                        if loaded:
                            errors = sum(r["errors"] for r in loaded)
                            print(f"  {threads:>7} {server:<15} no answer within wrk's timeout ({errors} errors)")
                        continue
                    rounds[server] = answered
                    run = runs[server] = median_run(answered)
                    p99s = ", ".join(f"{r['q99']:.1f}" for r in answered) if len(answered) > 1 else ""
                    print(f"  {threads:>7} {server:<15} {run['rps']:>8.0f} {run['q50']:>8.1f} {run['q99']:>8.1f} "
                          f"{run['q99.9']:>9.1f} {run['q99'] / run['q50']:>8.2f} {run['cpu']:>11.0f} "
                          f"{run['errors']:>7}  {'p99 by round: ' + p99s if p99s else ''}")
                if "updraft" in runs:
                    peers = {s: r for s, r in runs.items() if s in PEERS}
                    print(f"          updraft: {check(app, runs['updraft'], peers, runs.get('updraft-shared'))}")
                    if args.reps > 1 and peers:
                        for i, mine in enumerate(rounds["updraft"]):
                            same = {s: rs[i] for s, rs in rounds.items() if s in PEERS and i < len(rs)}
                            if same:
                                print(f"          round {i + 1}: {check(app, mine, same, None)}")
            print()


if __name__ == "__main__":
    main()
