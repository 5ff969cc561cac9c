#!/usr/bin/env bash
# `relance run` on a long input: peak memory (RSS) and records per second, Release build.
# Generates a CSV of RECORDS leads of about 2.9 KB each (once; kept in /tmp), then starts them
# RUNS times into a fresh database each time and prints each run and the median.
#   bench/inputs_bench.sh [RECORDS] [RUNS]        default: 1000000 records, 3 runs
# Environment: BUILD_DIR (default build-release), CSV (the input file), DB (default /tmp/x.db).
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-1000000}
runs=${2:-3}
build=${BUILD_DIR:-build-release}
csv=${CSV:-/tmp/relance-bench-$records.csv}
db=${DB:-/tmp/x.db}

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRELANCE_BUILD_TESTS=OFF \
  -DRELANCE_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target relance sendgrid >/dev/null

if [ ! -s "$csv" ]; then
  echo "generating $csv ($records records)" >&2
  python3 - "$records" "$csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
# About 2.9 KB per record: the columns of workflows/prospecting.yaml plus free notes (kept as
# contact.notes), as CRM exports carry.
words = ("prospect account pipeline quarter budget renewal champion procurement security "
         "integration onboarding forecast").split()
notes = " ".join(words[i % len(words)] for i in range(360))[:2800]
with open(path, "w", buffering=1 << 20) as out:
    out.write("id,email,first_name,last_name,company,segment,notes\n")
    for i in range(n):
        seg = "enterprise" if i % 7 == 0 else "smb"
        out.write(f'lead-{i},lead{i}@company{i % 5000}.test,First{i},Last{i},'
                  f'"Company {i % 5000}, Inc.",{seg},"{notes} #{i}"\n')
PY
fi
bytes=$(stat -c %s "$csv")
echo "input: $csv, $records records, $((bytes / records)) bytes per record" >&2
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" >&2

results=()
for i in $(seq "$runs"); do
  rm -f "$db" "$db-wal" "$db-shm"
  log=$(mktemp)
  /usr/bin/time -v "$build/bin/relance" --db "$db" run workflows/prospecting.yaml \
    --input "$csv" >"$log.out" 2>"$log"
  rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
  elapsed=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
  seconds=$(echo "$elapsed" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
  rate=$(awk -v n="$records" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
  echo "run $i: $(head -1 "$log.out" | head -c 300)" >&2
  echo "run $i: peak RSS $((rss_kb / 1024)) MB, ${seconds} s, ${rate} records/s"
  results+=("$rate $((rss_kb / 1024))")
  rm -f "$log" "$log.out"
done
printf '%s\n' "${results[@]}" | sort -n | awk '{ r[NR] = $1; m[NR] = $2 } END {
  k = int((NR + 1) / 2); printf "median: %s records/s (peak RSS of that run %s MB; %d runs)\n", r[k], m[k], NR }'
