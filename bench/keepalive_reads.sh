#!/usr/bin/env bash
# --keepalive-reads adaptive against immediate, same build, interleaved rounds: on hello's GET / (wrk is the
# bottleneck, the loop idles part of the time) and on a route that saturates the loop (native_test_app's
# /spin?us=5, five microseconds of handler work per request).
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
source bench/wsgi_lib.sh
bench_prepare

SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
DURATION=${DURATION:-4s}
CONNECTIONS=${CONNECTIONS:-64}
REPS=${REPS:-10}

declare -A PORT PID
# Runs one comparison: $1 label, $2 binary, $3 path.
compare() {
  local label=$1 bin=$2 target=$3 mode r s
  for mode in adaptive immediate; do
    PORT[$mode]=$(free_port)
    spawn_pinned "$SERVER_CPU" "$BENCH_TMP/$label-$mode.log" "$bin" --address 127.0.0.1 --port "${PORT[$mode]}" \
      --threads 1 --log-level warning --keepalive-reads "$mode"
    PID[$mode]=$STARTED_PID
    wait_ready "${PORT[$mode]}" "${PID[$mode]}"
    measure_wrk "$BENCH_TMP/warmup-$mode.txt" "${PID[$mode]}" 2s "http://127.0.0.1:${PORT[$mode]}$target"
  done
  mkdir -p "$BENCH_TMP/$label"
  for r in $(seq "$REPS"); do
    for s in $( ((r % 2)) && echo adaptive immediate || echo immediate adaptive); do
      measure_wrk "$BENCH_TMP/$label/wrk-$s-$r.txt" "${PID[$s]}" "$DURATION" "http://127.0.0.1:${PORT[$s]}$target"
    done
  done
  echo
  echo "== $label: GET $target ($bin), wrk -t1 -c$CONNECTIONS -d$DURATION on cpu $CLIENT_CPU, server on cpu $SERVER_CPU"
  "$PY" bench/wrk_report.py "$BENCH_TMP/$label" "$REPS" adaptive immediate
  stop_server "${PID[adaptive]}"
  stop_server "${PID[immediate]}"
}

print_load
compare hello build/bin/hello /
compare spin build/bin/native_test_app "/spin?us=5"
print_load
