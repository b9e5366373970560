#!/usr/bin/env bash
# Sanitizer passes for CI: the whole suite under ASan+UBSan, and under TSan the tests whose threads meet: WSGI, mixed,
# WebSocket topics published across loops and processes, the chat sample (pollers woken across loops) and templates
# (one cache read by every loop).
# Each pass builds only what it needs, in its own tree (build-asan/, build-tsan/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
root=$(pwd)
export PYTHONMALLOC=malloc  # let the sanitizers see Python's allocations too
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/sanitizers/tsan.supp"
export UPDRAFT_SANITIZED=1

# -O1 with line tables only: sanitizer reports keep their file:line stacks, and these trees compile about twice as
# fast as at -O2 -g (most of the passes' time is their build). NDEBUG as in the main build.
opt=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG")

pass="${1:-all}"
if [[ "$pass" == all || "$pass" == address ]]; then
  echo "=== ASan+UBSan: whole suite"
  cmake -S . -B build-asan "${opt[@]}" -DUPDRAFT_SANITIZE=address >/dev/null
  cmake --build build-asan -j2
  (cd build-asan && ctest --output-on-failure -j2)
fi
if [[ "$pass" == all || "$pass" == thread ]]; then
  echo "=== TSan: WSGI, mixed, WebSocket topics, chat and templates tests"
  cmake -S . -B build-tsan "${opt[@]}" -DUPDRAFT_SANITIZE=thread >/dev/null
  cmake --build build-tsan -j2 --target updraft mixed hello_plugin native_test_app chat django_static
  (cd build-tsan && ctest --output-on-failure -j2 -R 'e2e_test_(wsgi|mixed|flask|django|websocket_topics|websocket_redis|chat|native_templates)')
fi
