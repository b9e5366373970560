#!/usr/bin/env bash
# Static files: a 4 KiB and a 1 MiB file served by updraft's StaticFileHandler (native_test_app --static-path, one loop
# thread) and by nginx (one worker, sendfile on as in Debian's nginx.conf), and a 304 revalidation of the 4 KiB one
# (If-None-Match with each server's own ETag), and a 100 KiB HTML page sent gzip-encoded (updraft with
# --compress-response, nginx with `gzip on`, both at zlib level GZIP_LEVEL), in one run: requests/s and server CPU per
# request, and their ratios. The gzip case is StaticFileHandler's compressed copy (made once per version of the file)
# against nginx compressing the file for every request; gzip-dynamic compares compressing per request on both sides:
# a handler's 100 KiB page (native_test_app's /compress/page) against nginx gzipping a file of the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_prepare

SERVER_CPU=${SERVER_CPU:-0}     # both servers run pinned here
CLIENT_CPU=${CLIENT_CPU:-1}     # wrk runs pinned here
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
REPS=${REPS:-3}
WARMUP=${WARMUP:-2s}
GZIP_LEVEL=${GZIP_LEVEL:-6}     # compress_response's default (Tornado's GZIP_LEVEL); nginx's gzip_comp_level
CASES=(${CASES:-4k 1m 304 gzip gzip-dynamic})
SERVERS=(updraft nginx)

FILES="$BENCH_TMP/files"
mkdir -p "$FILES"
head -c 4096 /dev/urandom >"$FILES/4k.bin"
head -c 1048576 /dev/urandom >"$FILES/1m.bin"
# An HTML page of words drawn from a small vocabulary (seeded: the same page every run), compressing about as real
# pages do.
"$PY" - "$FILES/page.html" <<'EOF2'
import random, sys
rng = random.Random(11)
words = "the a site page user login form static file server request response cache header body style script".split()
out = ["<!doctype html>\n<html><head><title>Benchmark page</title></head><body>\n"]
size = len(out[0])
while size < 100 * 1024:
    line = f'<div class="row-{rng.randrange(100)}"><a href="/item/{rng.randrange(100000)}">' + \
           " ".join(rng.choice(words) for _ in range(rng.randrange(4, 12))) + "</a></div>\n"
    out.append(line)
    size += len(line)
page = "".join(out)[:100 * 1024 - len("</body></html>\n")] + "</body></html>\n"
open(sys.argv[1], "w").write(page)
EOF2
# The bytes of native_test_app's /compress/page?size=102400, for nginx to serve in the gzip-dynamic case.
"$PY" - "$FILES/rows.html" <<'EOF2'
import sys
out, i = "", 0
while len(out) < 102400:
    out += f"<tr><td>{i}</td><td>row</td></tr>\n"
    i += 1
open(sys.argv[1], "w").write(out[:102400])
EOF2
chmod a+rx "$BENCH_TMP" "$FILES"  # nginx's worker runs as nobody
chmod a+r "$FILES"/*

declare -A PORT WORKER ETAG DYNAMIC_PATH
PORT[updraft]=$(free_port)
HELLO=build/bin/native_test_app start_updraft "${PORT[updraft]}" "$SERVER_CPU" --static-path "$FILES" \
  --compress-response --gzip-level "$GZIP_LEVEL"
WORKER[updraft]=$STARTED_PID
PORT[nginx]=$(free_port)
NGINX_SERVER="location /static/ { alias $FILES/; sendfile on; tcp_nopush on;
  gzip on; gzip_comp_level $GZIP_LEVEL; gzip_min_length 1024; gzip_vary on; }" \
  start_nginx "${PORT[nginx]}" "$SERVER_CPU"
WORKER[nginx]=$(nginx_worker_pid "$STARTED_PID")

for s in "${SERVERS[@]}"; do
  url="http://127.0.0.1:${PORT[$s]}/static/4k.bin"
  ETAG[$s]=$(curl -fsS -o /dev/null -D - "$url" | tr -d '\r' | awk 'tolower($1) == "etag:" {print $2}')
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: ${ETAG[$s]}" "$url")
  if [[ -z "${ETAG[$s]}" || $status != 304 ]]; then
    echo "static_vs_nginx: $s gives no ETag or no 304 for it (ETag '${ETAG[$s]}', status $status)" >&2
    exit 1
  fi
  cmp <(curl -fsS "http://127.0.0.1:${PORT[$s]}/static/1m.bin") "$FILES/1m.bin"
  encoding=$(curl -fsS -o /dev/null -D - -H 'Accept-Encoding: gzip' "http://127.0.0.1:${PORT[$s]}/static/page.html" |
             tr -d '\r' | awk 'tolower($1) == "content-encoding:" {print $2}')
  if [[ $encoding != gzip ]]; then
    echo "static_vs_nginx: $s does not gzip page.html (Content-Encoding '$encoding')" >&2
    exit 1
  fi
  cmp <(curl -fsS -H 'Accept-Encoding: gzip' "http://127.0.0.1:${PORT[$s]}/static/page.html" | gunzip) \
    "$FILES/page.html"
done
DYNAMIC_PATH[updraft]=/compress/page?size=102400
DYNAMIC_PATH[nginx]=/static/rows.html
for s in "${SERVERS[@]}"; do
  cmp <(curl -fsS -H 'Accept-Encoding: gzip' "http://127.0.0.1:${PORT[$s]}${DYNAMIC_PATH[$s]}" | gunzip) "$FILES/rows.html"
done

echo "servers on cpu $SERVER_CPU, wrk on cpu $CLIENT_CPU: wrk -t1 -c$CONNECTIONS -d$DURATION --latency, $REPS rounds"
print_load

run_wrk() {  # server, case, duration, output file
  local headers=()
  local path=/static/4k.bin
  case $2 in
    1m) path=/static/1m.bin ;;
    304) headers=(-H "If-None-Match: ${ETAG[$1]}") ;;
    gzip) path=/static/page.html; headers=(-H "Accept-Encoding: gzip") ;;
    gzip-dynamic) path=${DYNAMIC_PATH[$1]}; headers=(-H "Accept-Encoding: gzip") ;;
  esac
  measure_wrk "$4" "${WORKER[$1]}" "$3" "http://127.0.0.1:${PORT[$1]}$path" "${headers[@]}"
}

for c in "${CASES[@]}"; do
  mkdir -p "$BENCH_TMP/$c"
  for s in "${SERVERS[@]}"; do run_wrk "$s" "$c" "$WARMUP" "$BENCH_TMP/$c/warmup-$s.txt"; done
  # Rounds alternate which server goes first, so drifting background load hits both alike.
  for r in $(seq "$REPS"); do
    order=("${SERVERS[@]}")
    if ((r % 2 == 0)); then order=(nginx updraft); fi
    for s in "${order[@]}"; do
      run_wrk "$s" "$c" "$DURATION" "$BENCH_TMP/$c/wrk-$s-$r.txt"
      echo "$c round $r: $s: $(grep 'Requests/sec' "$BENCH_TMP/$c/wrk-$s-$r.txt" | tr -s ' ')"
    done
  done
done
print_load
for c in "${CASES[@]}"; do
  echo
  echo "=== $c"
  "$PY" bench/wrk_report.py "$BENCH_TMP/$c" "$REPS" "${SERVERS[@]}"
done
