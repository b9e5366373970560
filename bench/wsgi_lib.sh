# Helpers shared by the WSGI benches (wsgi_vs_peers.sh, mixed_latency.sh), on top of lib.sh: pinned servers, measured wrk runs.
# Sourced after bench/lib.sh (which owns BENCH_TMP, BENCH_PIDS and the cleanup trap); expects SERVER_CPU and CLIENT_CPU.

WSGI_APPS=bench/wsgi_apps

# Run "$@" in the background pinned to cpu list $1 with output to file $2; sets STARTED_PID, killed on exit.
spawn_pinned() {
  local cpus=$1 log=$2; shift 2
  taskset -c "$cpus" "$@" >"$log" 2>&1 &
  STARTED_PID=$!
  BENCH_PIDS+=("$STARTED_PID")
}

# The first child of process $1 (gunicorn's one worker under its arbiter).
first_child_pid() {
  pgrep -P "$1" | head -n1
}

# Starts a WSGI server with one process pinned to SERVER_CPU. Args: kind (updraft, updraft-shared: --dispatch shared,
# gunicorn: gthread, uwsgi-http, uwsgi-http11, waitress), threads, MODULE:CALLABLE, its directory, port, log file.
# Sets STARTED_PID (killed on exit) and APP_PID (the process running the app: gunicorn's worker, not its arbiter).
start_wsgi_server() {
  local kind=$1 threads=$2 module=$3 dir=$4 port=$5 log=$6
  case $kind in
    updraft | updraft-shared | updraft-nofreeze)
      local dispatch=fair freeze=()
      [[ $kind == updraft-shared ]] && dispatch=shared
      [[ $kind == updraft-nofreeze ]] && freeze=(--no-gc-freeze)
      spawn_pinned "$SERVER_CPU" "$log" build/bin/updraft -b "127.0.0.1:$port" -w 1 --threads "$threads" \
        --dispatch "$dispatch" "${freeze[@]}" --chdir "$dir" --log-level warning "$module" ;;
    gunicorn)
      spawn_pinned "$SERVER_CPU" "$log" gunicorn -k gthread -w 1 --threads "$threads" -b "127.0.0.1:$port" \
        --chdir "$dir" --log-level warning "$module" ;;
    uwsgi-http | uwsgi-http11)
      local socket=--http-socket thread_args=()
      [[ $kind == uwsgi-http11 ]] && socket=--http11-socket
      ((threads > 1)) && thread_args=(--threads "$threads" --enable-threads)
      # No master: the one process is the worker; request logging off, as for the others.
      spawn_pinned "$SERVER_CPU" "$log" uwsgi --plugin python3 "$socket" "127.0.0.1:$port" --processes 1 \
        "${thread_args[@]}" --chdir "$dir" --module "$module" --need-app --disable-logging --die-on-term ;;
    waitress)
      spawn_pinned "$SERVER_CPU" "$log" env PYTHONPATH="$PWD/$dir" waitress-serve --threads="$threads" \
        --listen="127.0.0.1:$port" "$module" ;;
    *) echo "bench: unknown WSGI server $kind" >&2; return 1 ;;
  esac
  wait_ready "$port" "$STARTED_PID"
  APP_PID=$STARTED_PID
  if [[ $kind == gunicorn ]]; then APP_PID=$(first_child_pid "$STARTED_PID"); fi
}


# Prints the load average and the busiest processes (other work on this machine skews every figure).
print_machine_load() {
  print_load
  top -bn1 | sed -n '7,12p'
}
