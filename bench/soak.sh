#!/usr/bin/env bash
# Soak: server RSS before and after 3 M keep-alive requests to the native hello and 1 M to Flask on updraft,
# and the same counts over 500 concurrent connections that each open, send one request and close.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare
source bench/wsgi_lib.sh

SERVER_CPU=${SERVER_CPU:-0}                  # the server runs pinned here
CLIENT_CPU=${CLIENT_CPU:-1}                  # wrk (and soak_run.py) run pinned here
NATIVE_REQUESTS=${NATIVE_REQUESTS:-3000000}  # keep-alive requests to build/bin/hello
FLASK_REQUESTS=${FLASK_REQUESTS:-1000000}    # keep-alive requests to updraft serving Flask
NATIVE_CHURN_REQUESTS=${NATIVE_CHURN_REQUESTS:-${CHURN_REQUESTS:-$NATIVE_REQUESTS}}   # one connection each
FLASK_CHURN_REQUESTS=${FLASK_CHURN_REQUESTS:-${CHURN_REQUESTS:-$FLASK_REQUESTS}}
CONNECTIONS=${CONNECTIONS:-64}               # keep-alive connections
CHURN_CONNECTIONS=${CHURN_CONNECTIONS:-500}  # concurrent open-send-close connections
WARMUP_REQUESTS=${WARMUP_REQUESTS:-100000}   # sent with the same load before each "before" reading
ROUNDS=${ROUNDS:-1}                          # measured rounds per part (2: does growth repeat?)
SETTLE=${SETTLE:-2}                          # seconds between the load and each RSS reading
WSGI_THREADS=${WSGI_THREADS:-1}
WSGI_APP=${WSGI_APP:-flask_hello:app}        # the app of the "flask" phase ...
WSGI_DIR=${WSGI_DIR:-$WSGI_APPS}             # ... and its directory (--chdir)
GROWTH_LIMIT_KIB=${GROWTH_LIMIT_KIB:-2048}   # FAIL if VmRSS grows more than this ...
GROWTH_LIMIT_PCT=${GROWTH_LIMIT_PCT:-5}      # ... and more than this % of the "before" reading
read -r -a PHASES <<<"${PHASES:-native flask}"

RESULTS="$BENCH_TMP/results.jsonl"

# Name, pid, port, requests, connections, extra soak_run.py args (--close).
soak() {
  local name=$1 pid=$2 port=$3 requests=$4 conns=$5; shift 5
  echo "$name: $requests requests over $conns connections${1:+ (Connection: close)}, after $WARMUP_REQUESTS to warm up"
  taskset -c "$CLIENT_CPU" "$PY" bench/soak_run.py run --name "$name" --pid "$pid" --url "http://127.0.0.1:$port/" \
    --requests "$requests" --warmup "$WARMUP_REQUESTS" --rounds "$ROUNDS" --connections "$conns" \
    --client-cpu "$CLIENT_CPU" --settle "$SETTLE" --log-dir "$BENCH_TMP" --out "$RESULTS" "$@"
}

# The process that serves: the one started, unless it forked workers (updraft does only with -w > 1).
serving_pid() {
  local child
  child=$(first_child_pid "$1" || true)
  if [[ -n $child ]]; then echo "soak: pid $1 has a child $child; measuring the child" >&2; echo "$child"; else echo "$1"; fi
}

check_hello() {
  local got
  got=$(curl -fs "http://127.0.0.1:$1/")
  [[ $got == "Hello, World!" ]] || { echo "soak: $2 answered wrongly: ${got:0:80}" >&2; return 1; }
}

# Prints a server's log if it said anything (it runs at --log-level warning).
show_log() {
  if [[ -s $1 ]]; then echo "$2 log:"; sed 's/^/  /' "$1" | tail -n 20; fi
}

echo "server on cpu $SERVER_CPU, wrk -t1 on cpu $CLIENT_CPU; keep-alive -c$CONNECTIONS, churn -c$CHURN_CONNECTIONS" \
  "with Connection: close; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u '+%F %T') UTC"
print_machine_load
start=$SECONDS

for phase in "${PHASES[@]}"; do
  port=$(free_port)
  case $phase in
    native)
      start_updraft "$port" "$SERVER_CPU"   # build/bin/hello --threads 1 --log-level warning
      log="$BENCH_TMP/updraft-$port.log" label="native hello" ka=$NATIVE_REQUESTS churn=$NATIVE_CHURN_REQUESTS ;;
    flask)
      log="$BENCH_TMP/flask-$port.log"
      spawn_pinned "$SERVER_CPU" "$log" build/bin/updraft -b "127.0.0.1:$port" -w 1 --threads "$WSGI_THREADS" \
        --chdir "$WSGI_DIR" --log-level warning "$WSGI_APP"
      wait_ready "$port" "$STARTED_PID"
      label="flask updraft"; [[ $WSGI_APP == flask_hello:app ]] || label="updraft $WSGI_APP"
      ka=$FLASK_REQUESTS churn=$FLASK_CHURN_REQUESTS ;;
    *) echo "soak: unknown phase $phase" >&2; exit 1 ;;
  esac
  check_hello "$port" "$label"
  pid=$(serving_pid "$STARTED_PID")
  echo "$label: pid $pid, $(find "/proc/$pid/task" -mindepth 1 -maxdepth 1 | wc -l) threads"
  soak "$label keep-alive" "$pid" "$port" "$ka" "$CONNECTIONS"
  soak "$label churn" "$pid" "$port" "$churn" "$CHURN_CONNECTIONS" --close
  stop_server "$STARTED_PID"
  show_log "$log" "$label"
done

print_machine_load
echo "total time: $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s"
echo
"$PY" bench/soak_run.py report "$RESULTS" --growth-kib "$GROWTH_LIMIT_KIB" --growth-pct "$GROWTH_LIMIT_PCT"
