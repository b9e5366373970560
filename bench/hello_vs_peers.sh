#!/usr/bin/env bash
# Compares GET / throughput and latency of updraft's hello (one loop thread) with nginx (one worker) and Tornado in one run.
# CLOSE=1: every request on a new connection (Connection: close). BASELINE_HELLO=PATH adds "baseline", another build's
# hello (an A/B of two commits), to SERVERS.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare

SERVER_CPU=${SERVER_CPU:-0}     # every server runs pinned here
CLIENT_CPU=${CLIENT_CPU:-1}     # wrk runs pinned here
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
REPS=${REPS:-3}
WARMUP=${WARMUP:-3s}
read -r -a SERVERS <<<"${SERVERS:-updraft nginx tornado}"
if [[ -n "${BASELINE_HELLO:-}" ]]; then SERVERS+=(baseline); fi
WRK_ARGS=()
if [[ "${CLOSE:-0}" == 1 ]]; then WRK_ARGS=(-H "Connection: close"); fi

declare -A PORT WORKER   # WORKER: the process that serves the requests (nginx: its one worker)
for s in "${SERVERS[@]}"; do
  PORT[$s]=$(free_port)
  case $s in
    updraft) start_updraft "${PORT[$s]}" "$SERVER_CPU"; WORKER[$s]=$STARTED_PID ;;
    baseline) HELLO="$BASELINE_HELLO" start_updraft "${PORT[$s]}" "$SERVER_CPU"; WORKER[$s]=$STARTED_PID ;;
    nginx) start_nginx "${PORT[$s]}" "$SERVER_CPU"; WORKER[$s]=$(nginx_worker_pid "$STARTED_PID") ;;
    tornado) start_tornado "${PORT[$s]}" "$SERVER_CPU"; WORKER[$s]=$STARTED_PID ;;
    *) echo "hello_vs_peers: unknown server $s" >&2; exit 1 ;;
  esac
done

echo "servers on cpu $SERVER_CPU, wrk on cpu $CLIENT_CPU: wrk -t1 -c$CONNECTIONS -d$DURATION --latency" \
  "${WRK_ARGS[*]}, $REPS rounds"
print_load

# Server CPU time (user+system, clock ticks) used during the run is appended to the wrk output: CPU per
# request is less sensitive to other load on the machine than requests/s.
run_wrk() {  # server, duration, output file
  measure_wrk "$3" "${WORKER[$1]}" "$2" "http://127.0.0.1:${PORT[$1]}/" "${WRK_ARGS[@]}"
}

for s in "${SERVERS[@]}"; do
  echo "warm-up: $s ($WARMUP)"
  run_wrk "$s" "$WARMUP" "$BENCH_TMP/warmup-$s.txt"
done
# Rounds interleave the servers so that drifting background load hits all of them alike; each round starts
# with the next server, so that none always follows the same one.
for r in $(seq "$REPS"); do
  n=${#SERVERS[@]}
  for i in $(seq 0 $((n - 1))); do
    s=${SERVERS[$(((r - 1 + i) % n))]}
    run_wrk "$s" "$DURATION" "$BENCH_TMP/wrk-$s-$r.txt"
    echo "round $r: $s: $(grep 'Requests/sec' "$BENCH_TMP/wrk-$s-$r.txt" | tr -s ' ')"
  done
done
print_load
echo
"$PY" bench/wrk_report.py "$BENCH_TMP" "$REPS" "${SERVERS[@]}"
