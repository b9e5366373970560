# Shared helpers for the bench scripts: temp dir, free ports, starting updraft/nginx/Tornado on loopback, cleanup.
# Sourced, not run: expects the caller to have `set -euo pipefail` and to have cd'ed to the repository root.

PY=/usr/bin/python3   # Debian's python: it sees python3-tornado (a pyenv python3 on PATH does not)
BENCH_TMP=$(mktemp -d /tmp/updraft-bench.XXXXXX)
BENCH_PIDS=()

# Installs the peers and tools (Debian packages, idempotent) and builds build/ unless SKIP_BUILD=1; arguments name
# bench/ targets (cmake -DUPDRAFT_BENCH=ON) to build too, into $BUILD_DIR (build).
bench_prepare() {
  scripts/install-deps.sh --bench
  if [[ "${SKIP_BUILD:-0}" == 1 ]]; then return; fi
  scripts/build.sh
  if (($#)); then
    cmake -S . -B "${BUILD_DIR:-build}" -DUPDRAFT_BENCH=ON >/dev/null
    cmake --build "${BUILD_DIR:-build}" -j2 --target "$@"
  fi
}

bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${BENCH_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  BENCH_PIDS=()
  rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# Stop one server started by start_* (by its pid) and forget it.
stop_server() {
  local pid=$1 keep=() p
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${BENCH_PIDS[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
  BENCH_PIDS=("${keep[@]}")
}

# Raises RLIMIT_NOFILE for servers started from this shell: one descriptor per connection (CONNECTIONS) plus a few.
raise_nofile() {  # script name, for the error
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  if (($(ulimit -n) < CONNECTIONS + 100)); then
    echo "$1: RLIMIT_NOFILE $(ulimit -n) is too low for $CONNECTIONS connections" >&2
    exit 1
  fi
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait until GET $READY_PATH (/) on 127.0.0.1:$1 answers 200 (server pid $2 must stay alive), over $SCHEME (http;
# https: any certificate).
wait_ready() {
  local port=$1 pid=$2
  for _ in $(seq 100); do
    if ! kill -0 "$pid" 2>/dev/null; then echo "bench: server (pid $pid) on port $port died" >&2; return 1; fi
    if curl -fsk -o /dev/null "${SCHEME:-http}://127.0.0.1:$port${READY_PATH:-/}"; then return 0; fi
    sleep 0.1
  done
  echo "bench: server on port $port not ready" >&2
  return 1
}

# Each start_* takes: port, cpu list for taskset, extra args; sets STARTED_PID.
start_updraft() {
  local port=$1 cpus=$2; shift 2
  taskset -c "$cpus" "${HELLO:-build/bin/hello}" --address 127.0.0.1 --port "$port" --threads 1 --log-level warning "$@" \
    >"$BENCH_TMP/updraft-$port.log" 2>&1 &
  STARTED_PID=$!
  BENCH_PIDS+=("$STARTED_PID")
  wait_ready "$port" "$STARTED_PID"
}

# nginx, one worker, non-daemon, everything under a temp prefix; STARTED_PID is the master. NGINX_LISTEN (e.g. "ssl")
# is added to its listen directive, NGINX_SERVER (directives) to its server block, NGINX_HTTP to its http block.
start_nginx() {
  local port=$1 cpus=$2 prefix="$BENCH_TMP/nginx-$1"
  mkdir -p "$prefix"
  cat >"$prefix/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 65536;
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  keepalive_timeout 600s;
  keepalive_requests 100000000;
  default_type text/plain;
  client_body_temp_path $prefix/body;
  proxy_temp_path $prefix/proxy;
  fastcgi_temp_path $prefix/fastcgi;
  uwsgi_temp_path $prefix/uwsgi;
  scgi_temp_path $prefix/scgi;
  ${NGINX_HTTP:-}
  server {
    listen 127.0.0.1:$port ${NGINX_LISTEN:-};
    ${NGINX_SERVER:-}
    location / { return 200 "Hello, World!"; }
  }
}
EOF
  taskset -c "$cpus" nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log" >"$prefix/stdout.log" 2>&1 &
  STARTED_PID=$!
  BENCH_PIDS+=("$STARTED_PID")
  wait_ready "$port" "$STARTED_PID"
}

# The one nginx worker under master pid $1.
nginx_worker_pid() {
  pgrep -P "$1" | head -n1
}

start_tornado() {
  local port=$1 cpus=$2 script="$BENCH_TMP/tornado_hello.py"
  cat >"$script" <<'EOF'
# Tornado's hello world, and a coroutine that waits (GET /sleep?ms=N), one process, for the updraft benchmarks.
import asyncio
import sys

import tornado.web


class MainHandler(tornado.web.RequestHandler):
    def get(self):
        self.write("Hello, World!")


class SleepHandler(tornado.web.RequestHandler):
    async def get(self):
        ms = int(self.get_argument("ms", "0"))
        await asyncio.sleep(ms / 1000)
        self.write(f"slept {ms} ms")


async def main():
    app = tornado.web.Application([(r"/", MainHandler), (r"/sleep", SleepHandler)])
    app.listen(int(sys.argv[1]), address="127.0.0.1")
    await asyncio.Event().wait()


asyncio.run(main())
EOF
  taskset -c "$cpus" "$PY" "$script" "$port" >"$BENCH_TMP/tornado-$port.log" 2>&1 &
  STARTED_PID=$!
  BENCH_PIDS+=("$STARTED_PID")
  wait_ready "$port" "$STARTED_PID"
}

# utime + stime of process $1 in clock ticks (fields 14 and 15 of /proc/PID/stat, counted after the ")").
cpu_ticks() {
  sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

# wrk on CLIENT_CPU, -t1 -c$CONNECTIONS --latency; appends the CPU ticks process $2 used meanwhile (read by wrk_report.py).
# Args: output file, serving pid, duration, url, extra wrk args (e.g. -s bench/post_10k.lua).
measure_wrk() {
  local out=$1 pid=$2 duration=$3 url=$4 before after; shift 4
  before=$(cpu_ticks "$pid")
  taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"$duration" --latency "$@" "$url" >"$out"
  after=$(cpu_ticks "$pid")
  echo "server-cpu-ticks: $((after - before)) clk-tck: $(getconf CLK_TCK)" >>"$out"
}

# A warm-up of $WARMUP for each server, then $REPS rounds running each once in turn (so drifting background load hits
# all alike), into $BENCH_TMP/wrk-NAME-ROUND.txt, through the function MEASURE names (measure_wrk: same arguments).
# Args: name, pid, url, for each server.
measure_rounds() {
  local measure=${MEASURE:-measure_wrk} servers=("$@") r i line
  for ((i = 0; i < ${#servers[@]}; i += 3)); do
    "$measure" "$BENCH_TMP/warmup-${servers[i]}.txt" "${servers[i + 1]}" "$WARMUP" "${servers[i + 2]}"
  done
  for r in $(seq "$REPS"); do
    line="round $r:"
    for ((i = 0; i < ${#servers[@]}; i += 3)); do
      "$measure" "$BENCH_TMP/wrk-${servers[i]}-$r.txt" "${servers[i + 1]}" "$DURATION" "${servers[i + 2]}"
      line+=" ${servers[i]} $(awk '/Requests\/sec/ {print $2}' "$BENCH_TMP/wrk-${servers[i]}-$r.txt") req/s"
    done
    echo "$line"
  done
}

print_load() {
  echo "load: $(uptime | sed 's/.*load average/load average/')"
}

# From a file of wrk's output: requests, non-2xx responses and socket errors (connect read write timeout), one line.
wrk_counts() {
  local out=$1 requests non2xx connect=0 read=0 write=0 timeout=0
  requests=$(awk '/requests in/ {print $1}' "$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
  if grep -q 'Socket errors' "$out"; then
    read -r connect read write timeout < <(sed -n 's/.*connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' "$out")
  fi
  echo "$requests ${non2xx:-0} $connect $read $write $timeout"
}
