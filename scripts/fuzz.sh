#!/usr/bin/env bash
# CI's fuzz pass: builds the libFuzzer targets (clang-14, ASan+UBSan) into build-fuzz/ and runs each for SECONDS (default
# 60) on a scratch copy of its seed corpus, two at a time; fails on any finding, whose input is left in build-fuzz/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
bash scripts/install-deps.sh
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUPDRAFT_FUZZ=ON \
      -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
cmake --build build-fuzz -j2
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p build-fuzz/findings build-fuzz/logs
# One target: SECONDS on a scratch copy of its corpus; prints how it ended, returns non-zero on a finding.
fuzz_target() {
  local target=$1 dict=() log="build-fuzz/logs/$1.log"
  cp -r "tests/fuzz/corpus/$target" "$scratch/$target"
  if [[ $target == request_parser || $target == client_response ]]; then dict=(-dict=tests/fuzz/http.dict); fi
  if build-fuzz/bin/${target}_fuzz "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="build-fuzz/findings/$target-" "$scratch/$target" >"$log" 2>&1; then
    echo "=== fuzz: $target for $seconds s: $(grep -E '^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs' "$log")"
  else
    echo "=== fuzz: $target for $seconds s"
    tail -n 60 "$log"
    echo "fuzz: $target found something (input in build-fuzz/findings/, whole log in $log)"
    return 1
  fi
}

# Two targets at a time, one per core.
targets=(request_parser url router byte_range cookie accept accept_encoding resp_parser websocket_frame websocket_deflate
         proxy_header forwarded multipart gunzip client_response)
failed=()
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  pair=("${targets[@]:i:2}")
  pids=()
  for target in "${pair[@]}"; do
    fuzz_target "$target" > "$scratch/$target.out" &
    pids+=($!)
  done
  for j in "${!pair[@]}"; do
    wait "${pids[j]}" || failed+=("${pair[j]}")
    cat "$scratch/${pair[j]}.out"
  done
done
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]}"
  exit 1
fi
