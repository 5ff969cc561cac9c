#!/usr/bin/env bash
# The whole test suite: install dependencies, build, run every test through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
cd build
ctest --output-on-failure --parallel "$(nproc)" --timeout 300 "$@"
