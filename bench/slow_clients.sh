#!/usr/bin/env bash
# Slow clients against updraft and gunicorn (4 threads each): trickling uploaders and clients that never read a large
# response, while a normal client sends keep-alive requests; what each got, its latency and the server's memory.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare
source bench/wsgi_lib.sh

SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
UPLOADERS=${UPLOADERS:-100}   # each sends a BODY_LEN-byte body one byte every INTERVAL seconds
READERS=${READERS:-100}       # each asks for MIB MiB and never reads
MIB=${MIB:-100}
REQUESTS=${REQUESTS:-1000}    # the normal client's keep-alive GETs
INTERVAL=${INTERVAL:-5}
BODY_LEN=${BODY_LEN:-4}
read -r -a SERVERS <<<"${SERVERS:-updraft gunicorn}"
APP_DIR=tests/e2e/wsgi_apps   # slow_clients_app.py: /, /upload, /big?mib=N

for server in "${SERVERS[@]}"; do
  port=$(free_port)
  log="$BENCH_TMP/$server.log"
  case $server in
    updraft)
      spawn_pinned "$SERVER_CPU" "$log" build/bin/updraft -b "127.0.0.1:$port" --threads 4 --chdir "$APP_DIR" \
        --log-level error ${UPDRAFT_FLAGS:-} slow_clients_app:app ;;
    gunicorn)
      spawn_pinned "$SERVER_CPU" "$log" gunicorn -k gthread -w 1 --threads 4 -b "127.0.0.1:$port" --chdir "$APP_DIR" \
        --log-level error slow_clients_app:app ;;
    *) echo "slow_clients: unknown server $server" >&2; exit 1 ;;
  esac
  wait_ready "$port" "$STARTED_PID"
  serving=$STARTED_PID
  [[ $server == gunicorn ]] && serving=$(first_child_pid "$STARTED_PID")
  echo "== $server (pid $serving): $UPLOADERS uploaders at 1 byte / ${INTERVAL}s, $READERS readers of $MIB MiB that never" \
    "read, $REQUESTS normal requests"
  taskset -c "$CLIENT_CPU" "$PY" bench/slow_clients.py "$port" "$serving" --uploaders "$UPLOADERS" --readers "$READERS" \
    --mib "$MIB" --requests "$REQUESTS" --interval "$INTERVAL" --body-len "$BODY_LEN"
  stop_server "$STARTED_PID"
done
