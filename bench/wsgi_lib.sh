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

# wrk on CLIENT_CPU, -t1 -c$CONNECTIONS --latency; appends the CPU ticks process $2 used meanwhile (read by wrk_report.py).
# Args: output file, serving pid, duration, url, extra wrk args (e.g. -s bench/post_10k.lua).
measure_wrk() {
  local out=$1 pid=$2 duration=$3 url=$4 before after; shift 4
  before=$(cpu_ticks "$pid")
  taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"$duration" --latency "$@" "$url" >"$out"
  after=$(cpu_ticks "$pid")
  echo "server-cpu-ticks: $((after - before)) clk-tck: $(getconf CLK_TCK)" >>"$out"
}

# Prints the load average and the busiest processes (other work on this machine skews every figure).
print_machine_load() {
  print_load
  top -bn1 | sed -n '7,12p'
}
