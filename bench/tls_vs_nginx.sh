#!/usr/bin/env bash
# Compares keep-alive GET / over TLS: updraft's hello (one loop thread, --certfile) against nginx (one worker,
# ssl_certificate) with the same EC P-256 certificate made here and the same protocol and cipher (TLS 1.3 with
# $SUITE only, set for both servers through libssl's configuration; the negotiated ones are printed), servers pinned
# to one core and wrk (https) on another. Reports requests/s, latency and server CPU per request, and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare

SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
REPS=${REPS:-3}
WARMUP=${WARMUP:-3s}
SUITE=${SUITE:-TLS_AES_128_GCM_SHA256}
SERVERS=(updraft nginx)
SCHEME=https  # for wait_ready

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost -days 2 \
  -keyout "$BENCH_TMP/key.pem" -out "$BENCH_TMP/cert.pem" 2>/dev/null
printf '%s\n' "openssl_conf = conf" "[conf]" "ssl_conf = ssl" "[ssl]" "system_default = tls" "[tls]" \
  "Ciphersuites = $SUITE" >"$BENCH_TMP/openssl.cnf"

declare -A PORT WORKER
PORT[updraft]=$(free_port)
OPENSSL_CONF="$BENCH_TMP/openssl.cnf" start_updraft "${PORT[updraft]}" "$SERVER_CPU" \
  --certfile "$BENCH_TMP/cert.pem" --keyfile "$BENCH_TMP/key.pem"
WORKER[updraft]=$STARTED_PID
PORT[nginx]=$(free_port)
OPENSSL_CONF="$BENCH_TMP/openssl.cnf" NGINX_LISTEN=ssl \
  NGINX_SERVER="ssl_certificate $BENCH_TMP/cert.pem; ssl_certificate_key $BENCH_TMP/key.pem; ssl_protocols TLSv1.2 TLSv1.3;" \
  start_nginx "${PORT[nginx]}" "$SERVER_CPU"
WORKER[nginx]=$(nginx_worker_pid "$STARTED_PID")

for s in "${SERVERS[@]}"; do
  echo "$s: $(openssl s_client -connect "127.0.0.1:${PORT[$s]}" -alpn http/1.1 </dev/null 2>/dev/null |
    grep -E '^(New,|ALPN)' | tr '\n' ' ')"
done
echo "servers on cpu $SERVER_CPU, wrk on cpu $CLIENT_CPU: wrk -t1 -c$CONNECTIONS -d$DURATION --latency https," \
  "$REPS rounds"
print_load

# Server CPU time (user+system, clock ticks) used during the run is appended to the wrk output.
run_wrk() {  # server, duration, output file
  measure_wrk "$3" "${WORKER[$1]}" "$2" "https://127.0.0.1:${PORT[$1]}/"
}

for s in "${SERVERS[@]}"; do
  echo "warm-up: $s ($WARMUP)"
  run_wrk "$s" "$WARMUP" "$BENCH_TMP/warmup-$s.txt"
done
# Rounds alternate which server goes first, so that drifting background load hits both alike.
for r in $(seq "$REPS"); do
  for i in 0 1; do
    s=${SERVERS[$(((r - 1 + i) % 2))]}
    run_wrk "$s" "$DURATION" "$BENCH_TMP/wrk-$s-$r.txt"
    echo "round $r: $s: $(grep 'Requests/sec' "$BENCH_TMP/wrk-$s-$r.txt" | tr -s ' ')"
  done
done
print_load
echo
"$PY" bench/wrk_report.py "$BENCH_TMP" "$REPS" "${SERVERS[@]}"
