#!/usr/bin/env bash
# Compares updraft's WSGI gateway with gunicorn, uWSGI and waitress (one process each) on four apps, plus each app's no-server ceiling, in one run.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare
source bench/wsgi_lib.sh

SERVER_CPU=${SERVER_CPU:-0}     # every server (and the ceiling loop) runs pinned here
CLIENT_CPU=${CLIENT_CPU:-1}     # wrk runs pinned here
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-64}
REPS=${REPS:-3}
WARMUP=${WARMUP:-2s}
CEILING_SECONDS=${CEILING_SECONDS:-3}
read -r -a APPS <<<"${APPS:-minimal flask django echo}"
read -r -a SERVERS <<<"${SERVERS:-updraft-t1 updraft-t4 gunicorn-t1 gunicorn-t4 uwsgi-http uwsgi-http-t4 uwsgi-http11 uwsgi-http11-t4 waitress}"
POST_BYTES=10240   # the echo app is driven with bench/post_10k.lua, which sends this many bytes

declare -A MODULE=([minimal]=minimal:app [flask]=flask_hello:app [django]=django_hello:app [echo]=echo:app)
declare -A PORT PID WORKER   # PID: the process started; WORKER: the one that runs the app (gunicorn: its worker, not the arbiter)

# Starts server config $1 serving app module $2 on port $3 (pinned to SERVER_CPU); sets PID[$1] and WORKER[$1].
start_wsgi() {
  local config=$1 threads=1
  [[ $config == *-t4 || $config == waitress ]] && threads=4   # waitress: its default
  start_wsgi_server "${config%-t[0-9]*}" "$threads" "$2" "$WSGI_APPS" "$3" "$BENCH_TMP/$1-$3.log"
  PID[$config]=$STARTED_PID
  WORKER[$config]=$APP_PID
}

# Checks that server $1 on port $2 answers app $3 correctly before it is measured.
check_answer() {
  local config=$1 port=$2 app=$3 got
  if [[ $app == echo ]]; then
    got=$(head -c "$POST_BYTES" /dev/zero | tr '\0' x | curl -fs --data-binary @- -H 'Content-Type: application/octet-stream' \
      "http://127.0.0.1:$port/" | wc -c)
    [[ $got == "$POST_BYTES" ]] && return 0
  else
    got=$(curl -fs "http://127.0.0.1:$port/")
    [[ $got == "Hello, World!" ]] && return 0
  fi
  echo "wsgi_vs_peers: $config serving $app answered wrongly: ${got:0:80}" >&2
  return 1
}

run_one() {  # app, server, duration, output file
  local wrk_args=()
  [[ $1 == echo ]] && wrk_args=(-s bench/post_10k.lua)
  measure_wrk "$4" "${WORKER[$2]}" "$3" "http://127.0.0.1:${PORT[$2]}/" "${wrk_args[@]}"
}

echo "servers and the ceiling loop on cpu $SERVER_CPU, wrk on cpu $CLIENT_CPU: wrk -t1 -c$CONNECTIONS -d$DURATION --latency,"
echo "$WARMUP warm-up, $REPS interleaved rounds per app; apps: ${APPS[*]}; servers: ${SERVERS[*]}"
print_machine_load

for app in "${APPS[@]}"; do
  post=0
  [[ $app == echo ]] && post=$POST_BYTES
  for s in "${SERVERS[@]}"; do
    PORT[$s]=$(free_port)
    start_wsgi "$s" "${MODULE[$app]}" "${PORT[$s]}"
    check_answer "$s" "${PORT[$s]}" "$app"
    run_one "$app" "$s" "$WARMUP" "$BENCH_TMP/warmup-$app-$s.txt"
  done
  # Rounds interleave the servers (and the no-server ceiling) so that drifting background load hits all alike.
  for r in $(seq "$REPS"); do
    echo "$app round $r: ceiling (no server, ${CEILING_SECONDS}s): $(taskset -c "$SERVER_CPU" "$PY" bench/wsgi_ceiling.py \
      "${MODULE[$app]}" --chdir "$WSGI_APPS" --name "$app" --post-bytes "$post" --seconds "$CEILING_SECONDS" --reps 1 |
      tee -a "$BENCH_TMP/ceiling.jsonl")"
    for s in "${SERVERS[@]}"; do
      run_one "$app" "$s" "$DURATION" "$BENCH_TMP/wrk-$app-$s-$r.txt"
      echo "$app round $r: $s: $(grep 'Requests/sec' "$BENCH_TMP/wrk-$app-$s-$r.txt" | tr -s ' ')"
    done
  done
  for s in "${SERVERS[@]}"; do stop_server "${PID[$s]}"; done
done
print_machine_load
echo
"$PY" bench/wsgi_report.py peers "$BENCH_TMP" "$REPS" --apps "${APPS[@]}" --servers "${SERVERS[@]}"
