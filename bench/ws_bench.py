"""ws_vs_peers.sh's driver: rounds of ws_load runs (servers interleaved, each size), then memory per idle WebSocket
(--idle N; --reps 0 for that alone), and the tables with medians and ratios to updraft (the first server).

usage: ws_bench.py --load BIN --client-cpu C --reps N --warmup S --duration S --connections N --sizes 64,16384
                   --idle N --settle S --max-others CORES --retries N NAME:PORT:PID...
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import time

from idle_conns import vm_rss_kib

CLK_TCK = os.sysconf("SC_CLK_TCK")


def busy_ticks(pid):
    """(CPU ticks busy on the machine, ticks of process pid and of this script's finished children)."""
    with open("/proc/stat") as f:
        total = [int(x) for x in f.readline().split()[1:]]
    with open(f"/proc/{pid}/stat") as f:
        server = sum(int(x) for x in f.read().rsplit(")", 1)[1].split()[11:13])
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, nice, system, _idle, _iowait, irq, softirq = total[:7]
    return user + nice + system + irq + softirq, server + (children.ru_utime + children.ru_stime) * CLK_TCK


def load_command(args, port, *extra):
    return ["taskset", "-c", args.client_cpu, args.load, "--port", port, *map(str, extra)]


def run_load(args, port, pid, size, connections, warmup, duration):
    """One ws_load run: its JSON result (rate, p50_us, p99_us, server_cpu_s, client_cpu_s, ...) and `others`, the
    cores that other processes kept busy meanwhile (the machine's busy time less the server's and ws_load's)."""
    t0, (busy0, ours0) = time.monotonic(), busy_ticks(pid)
    out = subprocess.run(load_command(args, port, "--size", size, "--connections", connections, "--warmup", warmup,
                                      "--duration", duration, "--server-pid", pid),
                         capture_output=True, text=True, timeout=warmup + duration + 120)
    if out.returncode != 0:
        raise RuntimeError(f"ws_load on port {port} failed: {out.stderr.strip()}")
    busy1, ours1 = busy_ticks(pid)
    result = json.loads(out.stdout)
    result["others"] = max(0, (busy1 - busy0) - (ours1 - ours0)) / CLK_TCK / (time.monotonic() - t0)
    return result


def idle_memory(args, name, port, pid):
    """VmRSS before and after args.idle WebSockets are opened (one 64-byte echo each) and left idle."""
    run_load(args, port, pid, 64, 100, 0, 0.5)  # warm-up: allocator, pools, code
    time.sleep(args.settle)
    before = vm_rss_kib(pid)
    holder = subprocess.Popen(load_command(args, port, "--idle", "--connections", args.idle, "--size", 64),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        opened = json.loads(holder.stdout.readline() or "{}").get("open")
        if opened != args.idle:
            raise RuntimeError(f"{name}: ws_load could not open {args.idle} WebSockets")
        time.sleep(args.settle)
        after = vm_rss_kib(pid)
        holder.stdin.write("check\n")
        holder.stdin.flush()
        still_open = json.loads(holder.stdout.readline())["still_open"]
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    print(f"idle: {name}: {still_open} open, VmRSS {before} -> {after} KiB", flush=True)
    return {"still_open": still_open, "before": before, "after": after, "per_ws": (after - before) / args.idle}


def print_throughput(args, results, names):
    base = names[0]
    for size in args.sizes:
        med = {n: {k: statistics.median(r[k] for r in results[(size, n)])
                   for k in ("rate", "p50_us", "p99_us", "cpu_us", "client_busy", "others")} for n in names}
        print(f"\n{size} B messages, {args.connections} connections, one message in flight each; medians of "
              f"{args.reps} rounds of {args.duration} s")
        print(f"| server | msg/s | rounds | p50 ms | p99 ms | server CPU µs/msg | ws_load CPU | others | "
              f"{base}/this msg/s | {base}/this CPU/msg |")
        print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for n in names:
            m = med[n]
            rounds = " ".join(f"{r['rate'] / 1000:.0f}k" for r in results[(size, n)])
            print(f"| {n} | {m['rate']:,.0f} | {rounds} | {m['p50_us'] / 1000:.2f} | {m['p99_us'] / 1000:.2f} | "
                  f"{m['cpu_us']:.2f} | {m['client_busy']:.0%} | {m['others']:.2f} | "
                  f"{med[base]['rate'] / m['rate']:.2f}x | {med[base]['cpu_us'] / m['cpu_us']:.2f}x |")
        noisy = sum(r["others"] > args.max_others for n in names for r in results[(size, n)])
        if noisy:
            print(f"{noisy} runs shared the machine with more than {args.max_others} cores of other work")
        peers = [n for n in names if n != base]
        if peers:
            best = max(peers, key=lambda n: med[n]["rate"])
            print(f"{size} B: best peer {best}; {base}/{best} msg/s {med[base]['rate'] / med[best]['rate']:.2f}x "
                  f"(target >= 1.0), CPU per message {med[base]['cpu_us'] / med[best]['cpu_us']:.2f}x")


def print_memory(args, memory, names):
    base = names[0]
    print(f"\nmemory per idle WebSocket: {args.idle} opened, one 64-byte echo each, VmRSS {args.settle} s later")
    print(f"| server | still open | VmRSS before | VmRSS after | KiB per WebSocket | {base}/this |")
    print("|---|---:|---:|---:|---:|---:|")
    for n in names:
        m = memory[n]
        print(f"| {n} | {m['still_open']:,} | {m['before']:,} KiB | {m['after']:,} KiB | {m['per_ws']:.2f} | "
              f"{memory[base]['per_ws'] / m['per_ws']:.2f}x |")
    print(f"{base}: {memory[base]['per_ws']:.2f} KiB per idle WebSocket (target <= 2)")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--load", required=True)
    p.add_argument("--client-cpu", required=True)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--warmup", type=float, default=1)
    p.add_argument("--duration", type=float, default=3)
    p.add_argument("--connections", type=int, default=100)
    p.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[64, 16384])
    p.add_argument("--idle", type=int, default=5000)
    p.add_argument("--settle", type=float, default=2)
    p.add_argument("--max-others", type=float, default=0.2, help="cores other processes may use during a run")
    p.add_argument("--retries", type=int, default=3, help="times a run over --max-others is done again")
    p.add_argument("servers", nargs="+", help="NAME:PORT:PID, updraft first")
    args = p.parse_args()
    servers = [s.split(":") for s in args.servers]
    names = [s[0] for s in servers]

    results = {}  # (size, name) -> [ws_load result + cpu_us, client_busy]
    for r in range(args.reps):
        for size in args.sizes:
            # each round starts with the next server, so that none always follows the same one
            for name, port, pid in servers[r % len(servers):] + servers[:r % len(servers)]:
                res = last = run_load(args, port, pid, size, args.connections, args.warmup, args.duration)
                for _ in range(args.retries):  # a run that shared the machine with other work is done again
                    if last["others"] <= args.max_others:
                        break
                    print(f"round {r + 1}: {size} B: {name}: other processes used {last['others']:.2f} cores: "
                          f"again in {args.settle * 5:.0f} s", flush=True)
                    time.sleep(args.settle * 5)
                    last = run_load(args, port, pid, size, args.connections, args.warmup, args.duration)
                    res = min(res, last, key=lambda x: x["others"])  # the quietest attempt counts
                res["cpu_us"] = res["server_cpu_s"] / res["messages"] * 1e6
                res["client_busy"] = res["client_cpu_s"] / res["seconds"]
                results.setdefault((size, name), []).append(res)
                print(f"round {r + 1}: {size} B: {name}: {res['rate']:,.0f} msg/s, p99 {res['p99_us'] / 1000:.2f} ms, "
                      f"server {res['cpu_us']:.2f} µs/msg, ws_load {res['client_busy']:.0%} busy, others "
                      f"{res['others']:.2f} cores", flush=True)
    if results:
        print_throughput(args, results, names)
    if args.idle:
        print_memory(args, {name: idle_memory(args, name, port, pid) for name, port, pid in servers}, names)


if __name__ == "__main__":
    main()
