#!/usr/bin/env bash
# The key-value sample against Debian's redis-server (persistence off), each pinned to one core and redis-benchmark on
# the other: -t ping,set,get,incr,mset -c 50 -n 200000, without and with -P 16; requests/s and server CPU per request.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare

SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
REQUESTS=${REQUESTS:-200000}
CLIENTS=${CLIENTS:-50}
REPS=${REPS:-3}

kv_port=$(free_port)
taskset -c "$SERVER_CPU" build/bin/kv --port "$kv_port" --threads 1 --log-level warning >"$BENCH_TMP/kv.log" 2>&1 &
kv_pid=$!
BENCH_PIDS+=("$kv_pid")
redis_port=$(free_port)
taskset -c "$SERVER_CPU" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --daemonize no --loglevel warning >"$BENCH_TMP/redis.log" 2>&1 &
redis_pid=$!
BENCH_PIDS+=("$redis_pid")
for port in "$kv_port" "$redis_port"; do
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
done

echo "servers on cpu $SERVER_CPU, redis-benchmark on cpu $CLIENT_CPU; $(redis-server --version | cut -d' ' -f1-3)"
print_load
"$PY" bench/kv_bench.py "$CLIENT_CPU" "$REPS" "$REQUESTS" "$CLIENTS" "kv:$kv_port:$kv_pid" \
  "redis:$redis_port:$redis_pid"
print_load
