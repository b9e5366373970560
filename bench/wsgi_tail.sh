#!/usr/bin/env bash
# Tail latency of WSGI servers at saturation (issue 14): the Django sample's notes page (20 notes from SQLite, CPU-bound),
# Flask's hello world and an I/O-bound app (20 ms wait per request), with -c32 and -c256 and 1, 4 and 8 threads:
# updraft (fair dispatch, and --dispatch shared as before it) against gunicorn gthread and waitress, in one run.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare
source bench/wsgi_lib.sh

SERVER_CPU=${SERVER_CPU:-0}   # the server, all its threads
CLIENT_CPU=${CLIENT_CPU:-1}   # wrk
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-1s}
REPS=${REPS:-1}   # interleaved rounds: the report takes each figure's median, so one stall does not decide a cell
read -r -a APPS <<<"${APPS:-django flask io}"
read -r -a CONNS <<<"${CONNS:-32 256}"
read -r -a THREADS <<<"${THREADS:-1 4 8}"
read -r -a SERVERS <<<"${SERVERS:-updraft updraft-shared gunicorn waitress}"
CONNECTIONS=$(printf '%s\n' "${CONNS[@]}" | sort -n | tail -n1)
raise_nofile wsgi_tail

declare -A MODULE=([django]=mysite.wsgi:application [flask]=flask_hello:app [io]=io_wait:app)
declare -A DIR=([django]=samples/django [flask]=$WSGI_APPS [io]=$WSGI_APPS)

# The Django sample on a migrated database holding 20 notes; the page lists them.
export DJANGO_DB_PATH=$BENCH_TMP/notes.sqlite3 DJANGO_ALLOWED_HOSTS=127.0.0.1
(cd samples/django && "$PY" manage.py migrate --noinput >/dev/null &&
  "$PY" manage.py shell -c "from notes.models import Note
for i in range(20): Note.objects.create(title=f'Note {i}', body='A note of a few words, as a person writes them. ' * 4)")

echo "servers on cpu $SERVER_CPU, wrk -t1 on cpu $CLIENT_CPU for $DURATION after $WARMUP, $REPS interleaved round(s);"
echo "apps: ${APPS[*]}; connections: ${CONNS[*]}; threads: ${THREADS[*]}; servers: ${SERVERS[*]}"
print_machine_load
for rep in $(seq "$REPS"); do
  for app in "${APPS[@]}"; do
    for threads in "${THREADS[@]}"; do
      for server in "${SERVERS[@]}"; do
        port=$(free_port)
        start_wsgi_server "$server" "$threads" "${MODULE[$app]}" "${DIR[$app]}" "$port" "$BENCH_TMP/$server-$port.log"
        for conns in "${CONNS[@]}"; do
          CONNECTIONS=$conns measure_wrk /dev/null "$APP_PID" "$WARMUP" "http://127.0.0.1:$port/"
          out=$BENCH_TMP/wrk-$app-c$conns-t$threads-$server-r$rep.txt
          CONNECTIONS=$conns measure_wrk "$out" "$APP_PID" "$DURATION" "http://127.0.0.1:$port/" -s bench/percentiles.lua
          echo "round $rep: $app -c$conns --threads $threads $server: $(grep 'Requests/sec' "$out" | tr -s ' ')"
        done
        stop_server "$STARTED_PID"
      done
    done
  done
done
print_machine_load
echo
"$PY" bench/wsgi_tail_report.py "$BENCH_TMP" --apps "${APPS[@]}" --conns "${CONNS[@]}" --threads "${THREADS[@]}" \
  --servers "${SERVERS[@]}" --reps "$REPS"
