#!/usr/bin/env bash
# Zero-drop (d): a rolling restart (TERM, start again, wait healthy; one at a time) of 3 instances of 2 workers behind
# Debian's HAProxy (health checks, option redispatch) and nginx (keep-alive upstreams), under wrk at full load.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare
source bench/wsgi_lib.sh

SERVER_CPU=${SERVER_CPU:-0}     # the instances and the proxy run pinned here
CLIENT_CPU=${CLIENT_CPU:-1}     # wrk runs pinned here
DURATION=${DURATION:-20}        # seconds of load per run
CONNECTIONS=${CONNECTIONS:-64}
read -r -a SERVERS <<<"${SERVERS:-updraft gunicorn uwsgi}"
read -r -a PROXIES <<<"${PROXIES:-haproxy nginx}"
raise_nofile rolling_restart
declare -A INSTANCE_PID

# Starts instance $2 of server $1 on port $3; sets INSTANCE_PID[$2].
start_instance() {
  local server=$1 n=$2 port=$3 log="$BENCH_TMP/$1-$2-$3.log"
  case $server in
    updraft)
      spawn_pinned "$SERVER_CPU" "$log" build/bin/updraft -b "127.0.0.1:$port" -w 2 --threads 4 --health-path /healthz \
        --chdir "$WSGI_APPS" --log-level warning minimal:app ;;
    gunicorn)
      spawn_pinned "$SERVER_CPU" "$log" gunicorn -k gthread -w 2 --threads 4 -b "127.0.0.1:$port" \
        --chdir "$WSGI_APPS" --log-level warning minimal:app ;;
    uwsgi)
      spawn_pinned "$SERVER_CPU" "$log" uwsgi --plugin python3 --http11-socket "127.0.0.1:$port" --master \
        --processes 2 --threads 4 --enable-threads --chdir "$WSGI_APPS" --module minimal:app --need-app \
        --disable-logging --hook-master-start "unix_signal:15 gracefully_kill_them_all" ;;
  esac
  INSTANCE_PID[$n]=$STARTED_PID
  wait_ready "$port" "$STARTED_PID"
}

health_path() {
  if [[ $1 == updraft ]]; then echo /healthz; else echo /; fi
}

# Writes and starts proxy $1 on port $2 in front of ports $4..., health-checked at path $3; sets STARTED_PID.
start_proxy() {
  local proxy=$1 port=$2 check=$3 dir="$BENCH_TMP/$1-$2" i=0 backend; shift 3
  mkdir -p "$dir"
  case $proxy in
    haproxy)
      {
        printf 'global\n  maxconn 4096\ndefaults\n  mode http\n  timeout connect 1s\n  timeout client 30s\n'
        printf '  timeout server 30s\n  option http-keep-alive\n  option redispatch\n  retries 3\n'
        printf '  retry-on conn-failure empty-response\nfrontend fe\n  bind 127.0.0.1:%s\n  default_backend be\n' "$port"
        printf 'backend be\n  balance roundrobin\n  option httpchk GET %s\n  http-check expect status 200\n' "$check"
        printf '  default-server inter 500ms fall 1 rise 1\n'
        for backend in "$@"; do printf '  server s%s 127.0.0.1:%s check\n' $((i += 1)) "$backend"; done
      } >"$dir/haproxy.cfg"
      spawn_pinned "$SERVER_CPU" "$dir/out.log" haproxy -db -f "$dir/haproxy.cfg" ;;
    nginx)
      {
        printf 'daemon off;\nworker_processes 1;\nworker_rlimit_nofile 65536;\npid %s/nginx.pid;\n' "$dir"
        printf 'error_log %s/error.log warn;\nevents { worker_connections 20000; }\nhttp {\n  access_log off;\n' "$dir"
        printf '  client_body_temp_path %s/b; proxy_temp_path %s/p; fastcgi_temp_path %s/f;\n' "$dir" "$dir" "$dir"
        printf '  uwsgi_temp_path %s/u; scgi_temp_path %s/s;\n  upstream app {\n' "$dir" "$dir"
        for backend in "$@"; do printf '    server 127.0.0.1:%s max_fails=1 fail_timeout=1s;\n' "$backend"; done
        printf '    keepalive 64;\n  }\n  server {\n    listen 127.0.0.1:%s;\n    location / {\n' "$port"
        printf '      proxy_pass http://app;\n      proxy_http_version 1.1;\n      proxy_set_header Connection "";\n'
        printf '    }\n  }\n}\n'
      } >"$dir/nginx.conf"
      spawn_pinned "$SERVER_CPU" "$dir/out.log" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" ;;
  esac
  wait_ready "$port" "$STARTED_PID"
}

# Restarts each instance of server $1 in turn (ports $2...): TERM, wait for its exit, start it again, let it settle.
rolling_restart() {
  local server=$1 n=0 port; shift
  sleep 2
  for port in "$@"; do
    n=$((n + 1))
    stop_server "${INSTANCE_PID[$n]}"
    start_instance "$server" "$n" "$port"
    sleep 4
  done
}

report() {
  local out=$1 requests non2xx connect read write timeout
  read -r requests non2xx connect read write timeout < <(wrk_counts "$out")
  printf '%-10s %-8s %10s %8s %8s %6s %6s %8s\n' "$server" "$proxy" "$requests" "${non2xx:-0}" "$connect" "$read" \
    "$write" "$timeout"
}

printf '%-10s %-8s %10s %8s %8s %6s %6s %8s\n' server proxy requests non-2xx connect read write timeout
for proxy in "${PROXIES[@]}"; do
  for server in "${SERVERS[@]}"; do
    ports=("$(free_port)" "$(free_port)" "$(free_port)")
    for n in 1 2 3; do start_instance "$server" "$n" "${ports[n - 1]}"; done
    front=$(free_port)
    start_proxy "$proxy" "$front" "$(health_path "$server")" "${ports[@]}"
    proxy_pid=$STARTED_PID
    out="$BENCH_TMP/wrk-$server-$proxy.txt"
    taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$front/" >"$out" &
    client=$!
    rolling_restart "$server" "${ports[@]}"  # here, not in a subshell: it replaces INSTANCE_PID's entries
    wait "$client"
    report "$out"
    stop_server "$proxy_pid"
    for n in 1 2 3; do stop_server "${INSTANCE_PID[$n]}"; done
  done
done
echo "Every column but requests counts failures: wrk's socket errors and non-2xx answers from the proxy."
