#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer, in a second build
# folder (build-asan) so that it never disturbs ./build. Every binary the tests start (relance
# worker, relance plugin-host, the emulators, the plugins they load) is built with the sanitizers
# too, and inherits the options below through the environment. Extra arguments go to ctest.
#   scripts/test-sanitizers.sh            everything
#   scripts/test-sanitizers.sh -R Crash   some tests
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
# -O1 -g1: about 1.6 times the compile time of the plain build (-O2 -g is 2.1 times), and
# sanitizer reports keep file:line stacks. No NDEBUG:
# this is a checking build.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DRELANCE_SANITIZE=ON -DRELANCE_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan --parallel "$(nproc)"

# A finding stops the process that made it (abort_on_error: a core-like SIGABRT the test sees as
# a crash), so a child's finding fails the test that started it instead of scrolling by.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"

cd build-asan
ctest --output-on-failure --parallel "$(nproc)" --timeout 600 "$@"
