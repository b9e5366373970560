"""Runs redis-benchmark against kv and redis-server, test by test and round by round (the servers interleaved), with
each server's CPU time per request read from /proc (nanoseconds, all its threads) and how busy redis-benchmark's own
core was (a client near 100 % sets the pace: then requests/s measure the client), and prints the table and ratios.

usage: kv_bench.py CLIENT_CPU ROUNDS REQUESTS CLIENTS NAME:PORT:PID...
"""
import csv
import io
import os
import resource
import statistics
import subprocess
import sys
import time

TESTS = ["ping", "set", "get", "incr", "mset"]
PIPELINES = [1, 16]


def cpu_ns(pid):
    """Time the process's threads have run (the first field of each thread's schedstat)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
            total += int(f.read().split()[0])
    return total


def run(client_cpu, port, pid, test, pipeline, requests, clients):
    """[(redis-benchmark test name, requests/s, server CPU ns, client busy share)] for one -t test (ping gives two)."""
    before = cpu_ns(pid)
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    out = subprocess.run(["taskset", "-c", client_cpu, "redis-benchmark", "-p", str(port), "-t", test, "-n",
                          str(requests), "-c", str(clients), "-P", str(pipeline), "--csv"],
                         capture_output=True, text=True, check=True, timeout=600).stdout
    spent = cpu_ns(pid) - before
    elapsed = time.monotonic() - start
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy = (client_after.ru_utime - client_before.ru_utime + client_after.ru_stime - client_before.ru_stime) / elapsed
    rows = [r for r in csv.reader(io.StringIO(out)) if r and r[0] != "test"]
    return [(name, float(rps), spent / len(rows), busy) for name, rps, *_ in rows]


def main():
    client_cpu, rounds, requests, clients = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    servers = [s.split(":") for s in sys.argv[5:]]
    results = {}  # (test, pipeline, server) -> [(rps, cpu us per request)]
    for name, port, pid in servers:  # warm-up, not counted: connections, allocator, caches
        for pipeline in PIPELINES:
            run(client_cpu, port, pid, ",".join(TESTS), pipeline, requests // 4, clients)
    for r in range(rounds):
        for pipeline in PIPELINES:
            for test in TESTS:
                order = servers if r % 2 == 0 else servers[::-1]
                for name, port, pid in order:
                    for bench_name, rps, ns, busy in run(client_cpu, port, pid, test, pipeline, requests, clients):
                        results.setdefault((bench_name, pipeline, name), []).append((rps, ns / requests / 1000, busy))
        print(f"round {r + 1} of {rounds} done", flush=True)
    names = [s[0] for s in servers]
    base, peer = names[0], names[1]
    print(f"\nredis-benchmark -c {clients} -n {requests}, medians of {rounds} rounds; "
          f"CPU: server CPU time per request (us); client: redis-benchmark's share of its core during the test")
    print(f"{'test':<16} {'-P':>3} " + " ".join(f"{n + ' req/s':>14} {n + ' CPU':>10} {'client':>7}" for n in names)
          + f" {'req/s ' + base + '/' + peer:>16} {'CPU ' + base + '/' + peer:>14}")
    worst_rps, worst_cpu = float("inf"), 0.0
    for pipeline in PIPELINES:
        for test in sorted({k[0] for k in results if k[1] == pipeline}, key=lambda t: list(results).index((t, pipeline, base))):
            med = {n: tuple(statistics.median(v[i] for v in results[(test, pipeline, n)]) for i in range(3))
                   for n in names}
            rps_ratio = med[base][0] / med[peer][0]
            cpu_ratio = med[base][1] / med[peer][1]
            worst_rps, worst_cpu = min(worst_rps, rps_ratio), max(worst_cpu, cpu_ratio)
            print(f"{test:<16} {pipeline:>3} "
                  + " ".join(f"{med[n][0]:>14.0f} {med[n][1]:>10.2f} {med[n][2]:>6.0%}" for n in names)
                  + f" {rps_ratio:>15.2f}x {cpu_ratio:>13.2f}x")
    print(f"\nworst {base}/{peer}: requests/s {worst_rps:.2f}x (target >= 1.0), CPU per request {worst_cpu:.2f}x "
          f"(target < 1.0)")


if __name__ == "__main__":
    main()
