#!/usr/bin/env bash
# Installs the SDK component, builds tests/sdk/out_of_tree against it, loads the plugin.
# Usage: out_of_tree_test.sh <relance build dir> <plugin source dir> <work dir> <loader> <cmake>
set -euo pipefail
build=$1 src=$2 work=$3 loader=$4 cmake=$5

rm -rf "$work"
mkdir -p "$work"
"$cmake" --install "$build" --prefix "$work/prefix" --component sdk >"$work/install.log"
test -f "$work/prefix/include/relance/plugin.h"
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
"$cmake" -S "$src" -B "$work/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/configure.log"
"$cmake" --build "$work/build" >"$work/build.log"
RELANCE_OOT_PLUGIN="$work/build/hello.so" "$loader"
