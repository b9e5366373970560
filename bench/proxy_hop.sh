#!/usr/bin/env bash
# AsyncHTTPClient's cost for one hop: wrk against the native hello directly, and against a native route that fetches
# the same hello through AsyncHTTPClient (asio_test_app's /proxy?url=) and answers its body; the serving process (the
# hello, or the proxy) pinned to one core, the upstream hello on a core of its own. Target: proxy >= 0.5x direct.
# nginx's own hop is measured the same way beside it, for scale.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare
source bench/wsgi_lib.sh

SERVER_CPU=${SERVER_CPU:-0}           # the direct hello, then the proxy, pinned here
CLIENT_CPU=${CLIENT_CPU:-1}           # wrk runs pinned here
UPSTREAM_CPU=${UPSTREAM_CPU:-$CLIENT_CPU}  # the proxy's upstream hello: not the proxy's core (see bench/README.md)
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
REPS=${REPS:-3}
WARMUP=${WARMUP:-2s}
PROXY_APP=${PROXY_APP:-build/bin/asio_test_app}  # another build's, to compare two versions of the client
TARGET=0.5
raise_nofile proxy_hop.sh

# Two hellos alike (build/bin/hello --threads 1): the direct one on the server's core, the upstream on its own.
DIRECT_PORT=$(free_port)
start_updraft "$DIRECT_PORT" "$SERVER_CPU"
DIRECT_PID=$STARTED_PID
UPSTREAM_PORT=$(free_port)
start_updraft "$UPSTREAM_PORT" "$UPSTREAM_CPU"
UPSTREAM_PID=$STARTED_PID
PROXY_PORT=$(free_port)
spawn_pinned "$SERVER_CPU" "$BENCH_TMP/proxy.log" "$PROXY_APP" --address 127.0.0.1 --port "$PROXY_PORT" --threads 1 \
  --log-level warning
PROXY_PID=$STARTED_PID
DIRECT_URL="http://127.0.0.1:$DIRECT_PORT/"
PROXY_URL="http://127.0.0.1:$PROXY_PORT/proxy?url=http://127.0.0.1:$UPSTREAM_PORT/"
READY_PATH="/proxy?url=http://127.0.0.1:$UPSTREAM_PORT/" wait_ready "$PROXY_PORT" "$PROXY_PID"
# nginx on the same core, answering itself (nginx-direct) and proxying /proxy to the same upstream hello over kept-alive
# connections (nginx-proxy), as a deployment's nginx would.
NGINX_PORT=$(free_port)
NGINX_HTTP="upstream hello { server 127.0.0.1:$UPSTREAM_PORT; keepalive 64; }" \
NGINX_SERVER='location /proxy { proxy_pass http://hello/; proxy_http_version 1.1; proxy_set_header Connection ""; }' \
  start_nginx "$NGINX_PORT" "$SERVER_CPU"
NGINX_PID=$(nginx_worker_pid "$STARTED_PID")
NGINX_PROXY_URL="http://127.0.0.1:$NGINX_PORT/proxy"

# Both answer the same bytes, or the comparison means nothing.
answer() { curl -fsi "$1" | tr -d '\r' | grep -iv '^date:'; }
if [[ $(answer "$DIRECT_URL") != $(answer "$PROXY_URL") ]]; then
  echo "proxy_hop: the direct and proxied answers differ:" >&2
  curl -si "$DIRECT_URL" "$PROXY_URL" >&2
  exit 1
fi
if [[ $(curl -fs "$NGINX_PROXY_URL") != "$(curl -fs "$DIRECT_URL")" ]]; then
  echo "proxy_hop: nginx's /proxy does not answer the hello's body" >&2
  exit 1
fi

# measure_wrk, plus the upstream hello's CPU ticks meanwhile. Args: output file, serving pid, duration, url.
measure() {
  local before
  before=$(cpu_ticks "$UPSTREAM_PID")
  measure_wrk "$@"
  echo "upstream-cpu-ticks: $(($(cpu_ticks "$UPSTREAM_PID") - before))" >>"$1"
}

echo "direct: hello (--threads 1) on cpu $SERVER_CPU; proxy: asio_test_app /proxy (--threads 1) on cpu $SERVER_CPU" \
     "fetching a hello on cpu $UPSTREAM_CPU; nginx-direct and nginx-proxy: one nginx worker on cpu $SERVER_CPU, the same" \
     "way; wrk -t1 -c$CONNECTIONS -d$DURATION --latency on cpu $CLIENT_CPU; $REPS rounds"
print_machine_load
MEASURE=measure measure_rounds proxy "$PROXY_PID" "$PROXY_URL" direct "$DIRECT_PID" "$DIRECT_URL" \
  nginx-proxy "$NGINX_PID" "$NGINX_PROXY_URL" nginx-direct "$NGINX_PID" "http://127.0.0.1:$NGINX_PORT/"
print_machine_load
echo
"$PY" bench/wrk_report.py --target "$TARGET" --extra-cpu upstream --ratio nginx-proxy nginx-direct "$BENCH_TMP" "$REPS" \
  proxy direct nginx-proxy nginx-direct
