#!/usr/bin/env bash
# `cmake --install` gives a working relance: the binary finds the installed plugins by default
# (<prefix>/lib/relance/plugins) and runs the demo workflow against the sandbox.
# Usage: install_test.sh <relance build dir> <source dir> <work dir> <cmake>
set -euo pipefail
build=$1 src=$2 work=$3 cmake=$4

rm -rf "$work"
mkdir -p "$work"
"$cmake" --install "$build" --prefix "$work/prefix" >"$work/install.log"
relance="$work/prefix/bin/relance"
test -x "$relance"
for p in noop http sendgrid; do
  test -f "$work/prefix/lib/relance/plugins/$p.so" || { echo "missing plugin $p.so"; exit 1; }
done
if ls "$work/prefix/lib/relance/plugins" | grep -q hostfx; then
  echo "test fixtures were installed"; exit 1
fi
unset RELANCE_PLUGIN_PATH
listed=$("$relance" plugins list --json)
for p in noop http sendgrid; do
  echo "$listed" | grep -q "\"name\": \"$p\"" || { echo "plugin $p not loaded"; exit 1; }
done
cd "$work"
"$relance" simulate "$src/workflows/prospecting.yaml" --input "$src/workflows/data/leads.csv" \
  --days 14 --json >"$work/simulate.json"
grep -q '"started": 50' "$work/simulate.json"
echo "installed relance loads its plugins and runs the demo"
