#!/usr/bin/env bash
# Zero-drop operations at full load, counted by wrk: (a) HUP every 2 s, (b) max-requests 1000 + jitter 100, (c) SIGTERM
# mid-run, against updraft, gunicorn 20.1 (gthread) and uWSGI 2.0.21, each with 2 workers of 4 threads, same app.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare
source bench/wsgi_lib.sh

SERVER_CPU=${SERVER_CPU:-0}     # the servers' masters and workers run pinned here
CLIENT_CPU=${CLIENT_CPU:-1}     # wrk runs pinned here
DURATION=${DURATION:-20}        # seconds of load per run
CONNECTIONS=${CONNECTIONS:-64}
HUP_EVERY=${HUP_EVERY:-2}
read -r -a SERVERS <<<"${SERVERS:-updraft gunicorn uwsgi}"
read -r -a SCENARIOS <<<"${SCENARIOS:-hup max-requests sigterm}"
raise_nofile zero_drop

# Starts server $1 for scenario $2 on port $3 (2 workers, 4 threads, the minimal app); sets STARTED_PID (the master).
start_server() {
  local server=$1 scenario=$2 port=$3 log="$BENCH_TMP/$1-$2.log" recycle=()
  case $server in
    updraft)
      [[ $scenario == max-requests ]] && recycle=(--max-requests 1000 --max-requests-jitter 100)
      spawn_pinned "$SERVER_CPU" "$log" build/bin/updraft -b "127.0.0.1:$port" -w 2 --threads 4 "${recycle[@]}" \
        --chdir "$WSGI_APPS" --log-level warning minimal:app ;;
    gunicorn)
      [[ $scenario == max-requests ]] && recycle=(--max-requests 1000 --max-requests-jitter 100)
      spawn_pinned "$SERVER_CPU" "$log" gunicorn -k gthread -w 2 --threads 4 -b "127.0.0.1:$port" "${recycle[@]}" \
        --chdir "$WSGI_APPS" --log-level warning minimal:app ;;
    uwsgi)
      # uWSGI's own recipe for a graceful stop on SIGTERM (its default SIGTERM is a brutal reload); 2.0 has no jitter
      # (--max-requests-delta came in 2.1).
      [[ $scenario == max-requests ]] && recycle=(--max-requests 1000)
      spawn_pinned "$SERVER_CPU" "$log" uwsgi --plugin python3 --http11-socket "127.0.0.1:$port" --master \
        --processes 2 --threads 4 --enable-threads "${recycle[@]}" --chdir "$WSGI_APPS" --module minimal:app \
        --need-app --disable-logging --hook-master-start "unix_signal:15 gracefully_kill_them_all" ;;
  esac
  wait_ready "$port" "$STARTED_PID"
}

# What scenario $1 does to master $2 while wrk runs.
disturb() {
  local scenario=$1 pid=$2 elapsed=0
  case $scenario in
    hup)
      while ((elapsed + HUP_EVERY < DURATION)); do
        sleep "$HUP_EVERY"
        elapsed=$((elapsed + HUP_EVERY))
        kill -HUP "$pid"
      done ;;
    sigterm)
      sleep $((DURATION / 2))
      kill -TERM "$pid" ;;
  esac
}

# One line from wrk's output $2 for server $1: requests, non-2xx, and socket errors by kind.
report() {
  local label=$1 out=$2 requests non2xx connect read write timeout
  read -r requests non2xx connect read write timeout < <(wrk_counts "$out")
  printf '%-10s %-13s %10s %8s %8s %6s %6s %8s\n' "$label" "$SCENARIO" "$requests" "${non2xx:-0}" "$connect" "$read" \
    "$write" "$timeout"
}

printf '%-10s %-13s %10s %8s %8s %6s %6s %8s\n' server scenario requests non-2xx connect read write timeout
for SCENARIO in "${SCENARIOS[@]}"; do
  for server in "${SERVERS[@]}"; do
    port=$(free_port)
    start_server "$server" "$SCENARIO" "$port"
    master=$STARTED_PID
    out="$BENCH_TMP/wrk-$server-$SCENARIO.txt"
    disturb "$SCENARIO" "$master" &
    disturber=$!
    taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$port/" >"$out"
    wait "$disturber"
    report "$server" "$out"
    stop_server "$master"
  done
done
echo "read, timeout: requests sent and never answered; non-2xx: failed answers; connect, write: wrk's attempts that"
echo "sent nothing (after a SIGTERM, every attempt on the closed port is refused and counted as one of these)."
