#!/usr/bin/env bash
# Measures native /native/hello latency and throughput of build/bin/mixed with its WSGI pool idle and saturated by sleeping requests, in one run.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare
source bench/wsgi_lib.sh

SERVER_CPU=${SERVER_CPU:-0}     # the mixed server runs pinned here
CLIENT_CPU=${CLIENT_CPU:-1}     # both wrk clients run pinned here
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
REPS=${REPS:-3}
WARMUP=${WARMUP:-3s}
WSGI_THREADS=${WSGI_THREADS:-4}
SLEEPERS=${SLEEPERS:-8}         # connections asking for /sleep (1 s each): twice the pool, so it stays full and queued
SATURATE_LEAD=${SATURATE_LEAD:-2}   # seconds the sleepers run before the native measurement starts

PORT=$(free_port)
spawn_pinned "$SERVER_CPU" "$BENCH_TMP/mixed.log" build/bin/mixed --address 127.0.0.1 --port "$PORT" \
  --threads "$WSGI_THREADS" --chdir "$WSGI_APPS" --log-level warning sleeper:app
MIXED_PID=$STARTED_PID
wait_ready "$PORT" "$MIXED_PID"
HELLO="http://127.0.0.1:$PORT/native/hello"
[[ $(curl -fs "$HELLO") == "Hello, World!" ]] || { echo "mixed_latency: /native/hello answered wrongly" >&2; exit 1; }

# The WSGI gauges from the native metrics endpoint, as "busy=B/T queued=Q".
wsgi_gauges() {
  curl -fs "http://127.0.0.1:$PORT/native/metrics" | awk '
    $1 == "updraft_wsgi_busy_threads" { b = $2 } $1 == "updraft_wsgi_threads" { t = $2 }
    $1 == "updraft_wsgi_queue_depth" { q = $2 } END { printf "busy=%s/%s queued=%s", b, t, q }'
}

# Waits (at most 10 s) until no WSGI thread is busy and nothing is queued: sleeps left over from a saturated round.
wait_pool_idle() {
  for _ in $(seq 100); do
    [[ $(wsgi_gauges) == busy=0/*" queued=0" ]] && return 0
    sleep 0.1
  done
  echo "mixed_latency: WSGI pool still busy: $(wsgi_gauges)" >&2
  return 1
}

# One native measurement with the pool idle: nothing but wrk on /native/hello.
run_idle() {  # output file, duration
  wait_pool_idle
  echo "$(wsgi_gauges) before" >"$1.gauges"
  measure_wrk "$1" "$MIXED_PID" "$2" "$HELLO"
}

# One native measurement with the pool saturated: a second wrk keeps SLEEPERS connections on /sleep for the
# whole measurement (it starts SATURATE_LEAD s earlier and stops by itself 1 s after it).
run_saturated() {  # output file, duration
  local secs=${2%s} sleeper_pid
  taskset -c "$CLIENT_CPU" wrk -t1 -c"$SLEEPERS" -d"$((secs + SATURATE_LEAD + 1))s" --timeout 30s \
    "http://127.0.0.1:$PORT/sleep" >"$1.sleepers" 2>&1 &
  sleeper_pid=$!
  BENCH_PIDS+=("$sleeper_pid")
  sleep "$SATURATE_LEAD"
  echo "$(wsgi_gauges) before" >"$1.gauges"
  measure_wrk "$1" "$MIXED_PID" "$2" "$HELLO"
  echo "$(wsgi_gauges) after" >>"$1.gauges"
  wait "$sleeper_pid"
  local keep=() p
  for p in "${BENCH_PIDS[@]}"; do [[ $p == "$sleeper_pid" ]] || keep+=("$p"); done
  BENCH_PIDS=("${keep[@]}")
}

echo "mixed on cpu $SERVER_CPU (--threads $WSGI_THREADS), wrk on cpu $CLIENT_CPU: wrk -t1 -c$CONNECTIONS -d$DURATION --latency $HELLO;"
echo "saturated = meanwhile wrk -t1 -c$SLEEPERS on /sleep (time.sleep(1)); $WARMUP warm-up, $REPS rounds of idle then saturated"
print_machine_load
run_idle "$BENCH_TMP/warmup-idle.txt" "$WARMUP"
for r in $(seq "$REPS"); do
  for mode in idle saturated; do
    "run_$mode" "$BENCH_TMP/wrk-$mode-$r.txt" "$DURATION"
    echo "round $r: $mode: $(grep 'Requests/sec' "$BENCH_TMP/wrk-$mode-$r.txt" | tr -s ' '); pool $(tr '\n' ' ' <"$BENCH_TMP/wrk-$mode-$r.txt.gauges")"
    if [[ $mode == saturated ]]; then
      echo "  sleepers: $(grep -E 'requests in|Non-2xx' "$BENCH_TMP/wrk-$mode-$r.txt.sleepers" | tr -s ' ' | tr '\n' ' ')"
    fi
  done
done
print_machine_load
echo
"$PY" bench/wsgi_report.py mixed "$BENCH_TMP" "$REPS"
