#!/usr/bin/env bash
# The first README command: installs what is missing, builds, and serves native routes and the Flask sample on one
# port (8000 unless PORT is set): /native/hello, /native/sleep?ms=N, /native/health, /native/metrics natively,
# every other path by the Flask app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
exec build/bin/mixed --port "${PORT:-8000}" --threads 4 --chdir samples/flask "$@" app:app
