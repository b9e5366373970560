#!/usr/bin/env bash
# The first README command: installs what is missing, builds, and starts the main sample server on port 8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
exec build/bin/hello --port "${PORT:-8000}" "$@"
