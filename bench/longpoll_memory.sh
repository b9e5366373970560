#!/usr/bin/env bash
# Measures server RSS growth per request parked in a coroutine (10,000 long-polling requests waiting in /sleep) for
# updraft's native hello and Tornado, one loop each.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare

CONNECTIONS=${CONNECTIONS:-10000}
WAIT_MS=${WAIT_MS:-30000}  # long enough for every request to be parked when RSS is read
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
raise_nofile longpoll_memory

RESULTS="$BENCH_TMP/results.jsonl"
measure() {  # name, pid whose VmRSS counts, port
  taskset -c "$CLIENT_CPU" "$PY" bench/idle_conns.py measure --name "$1" --pid "$2" --port "$3" \
    --connections "$CONNECTIONS" --waiting "/sleep?ms=$WAIT_MS" --out "$RESULTS"
}

print_load
port=$(free_port)
start_updraft "$port" "$SERVER_CPU"
measure updraft "$STARTED_PID" "$port"
stop_server "$STARTED_PID"

port=$(free_port)
start_tornado "$port" "$SERVER_CPU"
measure tornado "$STARTED_PID" "$port"
stop_server "$STARTED_PID"

echo
"$PY" bench/idle_conns.py report "$RESULTS"
