#!/usr/bin/env bash
# WebSocket echo: updraft's hello (/ws/echo, one loop thread) against websocketpp, Boost.Beast, Node's ws and Tornado,
# one thread or process each on core 0, ws_load on core 1: messages/s, latency, server CPU per message, idle memory.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare ws_load ws_echo_websocketpp ws_echo_beast

SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BENCH_BIN=${BUILD_DIR:-build}/bin   # the bench targets (cmake -DUPDRAFT_BENCH=ON); hello is $HELLO (build/bin/hello)
CONNECTIONS=${CONNECTIONS:-100}
SIZES=${SIZES:-64,16384}
REPS=${REPS:-3}
WARMUP=${WARMUP:-1}
DURATION=${DURATION:-3}
IDLE=${IDLE:-5000}                  # idle WebSockets per server for the memory reading; 0 skips it
MAX_OTHERS=${MAX_OTHERS:-0.2}       # a run during which other processes used more cores than this is done again,
RETRIES=${RETRIES:-3}               # up to this many times
read -r -a SERVERS <<<"${SERVERS:-updraft websocketpp beast node-ws tornado}"
CONNECTIONS=$((IDLE > CONNECTIONS ? IDLE : CONNECTIONS)) raise_nofile ws_vs_peers

# Runs a server pinned to SERVER_CPU and waits until its port accepts connections; sets STARTED_PID.
start_peer() {  # name, port, command...
  local name=$1 port=$2
  shift 2
  taskset -c "$SERVER_CPU" "$@" >"$BENCH_TMP/$name.log" 2>&1 &
  STARTED_PID=$!
  BENCH_PIDS+=("$STARTED_PID")
  for _ in $(seq 100); do
    if ! kill -0 "$STARTED_PID" 2>/dev/null; then
      echo "ws_vs_peers: $name died: $(cat "$BENCH_TMP/$name.log")" >&2
      exit 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "ws_vs_peers: $name is not listening on port $port" >&2
  exit 1
}

# Starts every server in SERVERS on a fresh port; sets SERVER_ARGS to their NAME:PORT:PID.
start_servers() {
  local s port
  SERVER_ARGS=()
  for s in "${SERVERS[@]}"; do
    port=$(free_port)
    case $s in
      updraft) start_updraft "$port" "$SERVER_CPU" ;;
      websocketpp) start_peer "$s" "$port" "$BENCH_BIN/ws_echo_websocketpp" "$port" ;;
      beast) start_peer "$s" "$port" "$BENCH_BIN/ws_echo_beast" "$port" ;;
      node-ws) start_peer "$s" "$port" node bench/peers/ws_echo.js "$port" ;;
      tornado) start_peer "$s" "$port" "$PY" bench/peers/tornado_echo.py "$port" ;;
      *) echo "ws_vs_peers: unknown server $s" >&2; exit 1 ;;
    esac
    SERVER_ARGS+=("$s:$port:$STARTED_PID")
  done
}

stop_servers() {
  local a
  for a in "${SERVER_ARGS[@]}"; do stop_server "${a##*:}"; done
}

echo "servers on cpu $SERVER_CPU, ws_load on cpu $CLIENT_CPU; $CONNECTIONS connections, sizes $SIZES, $REPS rounds" \
  "of ${WARMUP} s warm-up + ${DURATION} s; $IDLE idle WebSockets; node $(node --version)," \
  "Tornado $("$PY" -c 'import tornado; print(tornado.version)')"
print_load
BENCH=("$PY" bench/ws_bench.py --load "$BENCH_BIN/ws_load" --client-cpu "$CLIENT_CPU" --warmup "$WARMUP"
       --duration "$DURATION" --connections "$CONNECTIONS" --sizes "$SIZES" --max-others "$MAX_OTHERS"
       --retries "$RETRIES")
# Each part on servers of its own: 5,000 connections leave a heap behind them that changes what a message costs
# (updraft's 16 KiB messages stop paying page faults), and the throughput rounds leave freed memory that the idle
# connections would reuse.
start_servers
"${BENCH[@]}" --reps "$REPS" --idle 0 "${SERVER_ARGS[@]}"
stop_servers
if ((IDLE > 0)); then
  start_servers
  "${BENCH[@]}" --reps 0 --idle "$IDLE" "${SERVER_ARGS[@]}"
  stop_servers
fi
print_load
