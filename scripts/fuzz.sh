#!/usr/bin/env bash
# CI's fuzz pass: builds the libFuzzer targets (clang-14, ASan+UBSan) into build-fuzz/ and runs each for SECONDS (default
# 60) on a scratch copy of its seed corpus; fails on any finding, whose input is left in build-fuzz/findings/.
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
failed=()
for target in request_parser url router byte_range cookie resp_parser websocket_frame websocket_deflate proxy_header forwarded multipart gunzip; do
  cp -r "tests/fuzz/corpus/$target" "$scratch/$target"
  dict=()
  if [[ $target == request_parser ]]; then dict=(-dict=tests/fuzz/http.dict); fi
  log="build-fuzz/logs/$target.log"
  echo "=== fuzz: $target for $seconds s"
  if build-fuzz/bin/${target}_fuzz "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="build-fuzz/findings/$target-" "$scratch/$target" >"$log" 2>&1; then
    grep -E '^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs' "$log"
  else
    tail -n 60 "$log"
    echo "fuzz: $target found something (input in build-fuzz/findings/, whole log in $log)"
    failed+=("$target")
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]}"
  exit 1
fi
