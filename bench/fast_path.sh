#!/usr/bin/env bash
# The fast path a Django site gets from a native route: the same JSON list of 20 notes from PostgreSQL, served by the
# Django sample's view (/notes.json, through `updraft`) and by `mixed --pg`'s native route (/native/notes.json,
# core/pg on the loop), each server pinned to one core: requests/s and p99 side by side. Target: native >= 10x Django.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare
source bench/wsgi_lib.sh

SERVER_CPU=${SERVER_CPU:-0}     # updraft (Django) and mixed (native) run pinned here, one at a time under load
CLIENT_CPU=${CLIENT_CPU:-1}     # wrk runs pinned here
PG_CPU=${PG_CPU:-$CLIENT_CPU}   # PostgreSQL, the same for both
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
REPS=${REPS:-3}
WARMUP=${WARMUP:-2s}
WSGI_THREADS=${WSGI_THREADS:-4}
PG_CONNECTIONS=${PG_CONNECTIONS:-16}  # the native route's pool (one loop); Django has one connection per thread
PG_BIN=/usr/lib/postgresql/15/bin
TARGET=10

# A throwaway cluster on a unix socket in a directory of its own (the postgres user must reach it), fsync off.
PG_DIR=$(mktemp -d /tmp/updraft-bench-pg.XXXXXX)
chown postgres: "$PG_DIR"
pg_cleanup() {
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" stop -m immediate >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap 'pg_cleanup; bench_cleanup' EXIT
runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync -E UTF8 --locale C \
  >"$BENCH_TMP/initdb.log" 2>&1
taskset -c "$PG_CPU" runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/log" \
  -o "-k $PG_DIR -c listen_addresses='' -c fsync=off -c synchronous_commit=off -p 5432" start >/dev/null
export PGHOST=$PG_DIR PGPORT=5432 PGUSER=postgres DJANGO_PG_DATABASE=notes
psql -X -q -c "create database notes"
(cd samples/django && "$PY" manage.py migrate --noinput >"$BENCH_TMP/migrate.log")
psql -X -q -d notes -c "insert into notes_note (title, body, created)
  select 'Note ' || g, repeat('Some text of note ' || g || '. ', 8), now() - g * interval '1 minute'
  from generate_series(1, 20) g"

# CPU ticks used so far by the cluster's processes (the postmaster and its backends).
pg_ticks() {
  local postmaster total=0 pid
  postmaster=$(head -n1 "$PG_DIR/data/postmaster.pid")
  for pid in "$postmaster" $(pgrep -P "$postmaster"); do
    total=$((total + $(cpu_ticks "$pid" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# measure_wrk, plus PostgreSQL's CPU ticks meanwhile. Args: output file, serving pid, duration, url.
measure() {
  local before
  before=$(pg_ticks)
  measure_wrk "$@"
  echo "postgres-cpu-ticks: $(($(pg_ticks) - before))" >>"$1"
}

DJANGO_PORT=$(free_port)
spawn_pinned "$SERVER_CPU" "$BENCH_TMP/updraft.log" build/bin/updraft -b "127.0.0.1:$DJANGO_PORT" -w 1 \
  --threads "$WSGI_THREADS" --chdir samples/django --log-level warning mysite.wsgi:application
DJANGO_PID=$STARTED_PID
wait_ready "$DJANGO_PORT" "$DJANGO_PID"
NATIVE_PORT=$(free_port)
spawn_pinned "$SERVER_CPU" "$BENCH_TMP/mixed.log" build/bin/mixed --address 127.0.0.1 --port "$NATIVE_PORT" \
  --threads "$WSGI_THREADS" --pg dbname=notes --pg-connections "$PG_CONNECTIONS" --chdir samples/django \
  --log-level warning mysite.wsgi:application
NATIVE_PID=$STARTED_PID
wait_ready "$NATIVE_PORT" "$NATIVE_PID"
DJANGO_URL="http://127.0.0.1:$DJANGO_PORT/notes.json"
NATIVE_URL="http://127.0.0.1:$NATIVE_PORT/native/notes.json"

# Both answer the same list of 20 notes, or the comparison means nothing.
"$PY" - "$DJANGO_URL" "$NATIVE_URL" <<'PYEOF'
import json, sys, urllib.request
django, native = (json.load(urllib.request.urlopen(url)) for url in sys.argv[1:])
if len(django) != 20 or django != native:
    sys.exit(f"fast_path: the two lists differ:\n{django}\n{native}")
PYEOF

echo "Django's view through updraft (-w 1 --threads $WSGI_THREADS) and mixed's native route (--pg, one loop," \
     "$PG_CONNECTIONS connections), each on cpu $SERVER_CPU; PostgreSQL on cpu $PG_CPU; wrk -t1 -c$CONNECTIONS" \
     "-d$DURATION --latency on cpu $CLIENT_CPU; $REPS rounds"
echo "the same 20 notes: $(curl -fs "$NATIVE_URL" | wc -c) bytes of JSON"
print_machine_load
MEASURE=measure measure_rounds native "$NATIVE_PID" "$NATIVE_URL" django "$DJANGO_PID" "$DJANGO_URL"
print_machine_load
echo
"$PY" bench/wrk_report.py --target "$TARGET" --extra-cpu postgres "$BENCH_TMP" "$REPS" native django
