#!/usr/bin/env bash
# Measures server RSS growth per idle keep-alive connection (10,000 held open) for updraft, nginx and Tornado.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare

CONNECTIONS=${CONNECTIONS:-10000}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
raise_nofile idle_memory

RESULTS="$BENCH_TMP/results.jsonl"
measure() {  # name, pid whose VmRSS counts, port
  taskset -c "$CLIENT_CPU" "$PY" bench/idle_conns.py measure --name "$1" --pid "$2" --port "$3" \
    --connections "$CONNECTIONS" --out "$RESULTS"
}

print_load
# One server at a time, so each one's measurement sees only its own connections.
port=$(free_port)
start_updraft "$port" "$SERVER_CPU" --idle-timeout 3600
measure updraft "$STARTED_PID" "$port"
stop_server "$STARTED_PID"

port=$(free_port)
start_nginx "$port" "$SERVER_CPU"
measure nginx "$(nginx_worker_pid "$STARTED_PID")" "$port"
stop_server "$STARTED_PID"

port=$(free_port)
start_tornado "$port" "$SERVER_CPU"
measure tornado "$STARTED_PID" "$port"
stop_server "$STARTED_PID"

echo
"$PY" bench/idle_conns.py report "$RESULTS"
