#!/usr/bin/env bash
# Runs one fuzz target with libFuzzer (clang-14, ASan + UBSan), seeded with its corpus. New
# interesting inputs go to build-fuzz/corpus/NAME; a crash leaves crash-* in build-fuzz/ (copy it
# into fuzz/regressions/NAME once fixed).
#   scripts/fuzz.sh NAME [SECONDS]     e.g. scripts/fuzz.sh workflow 600
#   scripts/fuzz.sh --list
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--list" ]; then
  sed -n 's/^relance_fuzz_target(\([a-z0-9_]*\).*/\1/p' fuzz/CMakeLists.txt
  exit 0
fi
name=${1:?usage: scripts/fuzz.sh NAME [SECONDS]}
seconds=${2:-60}
scripts/deps.sh
for p in clang-14 libfuzzer-14-dev libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=" $p"
done
if [ -n "${missing:-}" ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DRELANCE_FUZZ=ON \
  -DRELANCE_BUILD_TESTS=OFF -DRELANCE_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz --target "fuzz_$name"
mkdir -p "build-fuzz/corpus/$name"
cd build-fuzz
exec "./bin/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  "corpus/$name" "../fuzz/corpus/$name"
