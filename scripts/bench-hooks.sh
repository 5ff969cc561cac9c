#!/usr/bin/env bash
# Webhook triggers under load: `relance serve` with its worker in-process, a workflow
# webhook -> set -> if -> set -> noop.pass, every run committed (SQLite, WAL,
# synchronous=FULL), driven by wrk with scripts/bench-hooks.lua (one new lead per request).
#
# Each repetition starts from a fresh database in a temporary folder and measures:
#   1. latency at 1 connection: wrk --latency for LAT_SECONDS, p50 / p99 / max from request
#      to 202 (the run committed before the answer);
#   2. throughput at CONNECTIONS connections for SECONDS: requests/s and the 202 count, then
#      how long until every run started is completed (read from the store once the worker has
#      nothing left: the last completion time of those runs against the time wrk started),
#      giving runs started and completed per second;
#   3. the server's peak resident memory (VmHWM, and the highest VmRSS sampled every 0.1 s);
#   4. with --signed, once more at CONNECTIONS connections, requests signed the Standard
#      Webhooks way (pre-signed by this script, verified by the server).
# Then the median and the range (min - max) of each figure over the repetitions.
#
#   scripts/bench-hooks.sh [options]
#     --relance PATH       a relance binary (its plugins/ beside it); default: build BUILD_DIR
#     --repeat N           repetitions (default 5)
#     --seconds S          the throughput phase (default 10)
#     --lat-seconds S      the latency phase (default 10)
#     --connections C      connections of the throughput phase (default 32)
#     --wrk-threads T      wrk's threads for the throughput phase (default 2)
#     --server-threads N   `serve --threads` (default: as many as connections, so that every
#                          connection has a request thread; see docs/performance.md)
#     --signed             also measure signed requests (standard_webhooks)
#     --keep               keep the temporary folders (their paths are printed)
#     --json FILE          also write every figure of every repetition as JSON
#     --without-feed       drop the events feed's triggers after the deploy, to measure what the
#                          feed costs (outbound webhooks then hear of nothing)
# Environment: BUILD_DIR (default build-release) when --relance is not given.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
relance=""
repeat=5
seconds=10
lat_seconds=10
connections=32
wrk_threads=2
server_threads=""
signed=0
keep=0
json_out=""
without_feed=0
while (($#)); do
  case $1 in
    --relance) relance=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --lat-seconds) lat_seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --wrk-threads) wrk_threads=$2; shift 2 ;;
    --server-threads) server_threads=$2; shift 2 ;;
    --signed) signed=1; shift ;;
    --keep) keep=1; shift ;;
    --json) json_out=$2; shift 2 ;;
    --without-feed) without_feed=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done
server_threads=${server_threads:-$connections}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

if [[ -z $relance ]]; then
  build=${BUILD_DIR:-build-release}
  [[ $build = /* ]] || build="$repo/$build"
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRELANCE_BUILD_TESTS=OFF \
    -DRELANCE_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build" --target relance noop >/dev/null
  relance="$build/bin/relance"
fi
relance=$(readlink -f "$relance")
[[ -x $relance ]] || { echo "no relance binary at $relance" >&2; exit 1; }
lua="$repo/scripts/bench-hooks.lua"

# The secret of the signed hook (Standard Webhooks: whsec_ then the base64 of the key).
secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
export RELANCE_SECRET_HOOK_BENCH=$secret

server_pid=""
sampler_pid=""
work=""
cleanup() {
  [[ -n $sampler_pid ]] && kill "$sampler_pid" 2>/dev/null || true
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  [[ -n $work && $keep = 0 ]] && rm -rf "$work"
  [[ -n ${results:-} ]] && rm -f "$results"
  server_pid="" sampler_pid=""
}
trap cleanup EXIT

# Store figures, read-only, straight from the SQLite file the server writes.
#   store.py count DB                      -> runs in the store
#   store.py settle DB FROM_ROW TIMEOUT    -> waits until no run after FROM_ROW is ready or
#                                             waiting, then prints
#                                             "runs completed other first_created last_updated"
store_py=$(cat <<'PY'
import sqlite3, sys, time
cmd, db = sys.argv[1], sys.argv[2]
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
if cmd == "count":
    print(con.execute("SELECT coalesce(max(row), 0) FROM runs").fetchone()[0]); sys.exit()
from_row, timeout = int(sys.argv[3]), float(sys.argv[4])
deadline = time.monotonic() + timeout
while True:
    left = con.execute("SELECT count(*) FROM runs WHERE status IN ('ready','waiting') AND row > ?",
                       (from_row,)).fetchone()[0]
    if left == 0 or time.monotonic() > deadline:
        break
    time.sleep(0.1)
n, done, first, last = con.execute(
    "SELECT count(*), sum(status='completed'), min(created_at), max(updated_at) FROM runs "
    "WHERE row > ?", (from_row,)).fetchone()
print(n, done or 0, n - (done or 0), first or 0, last or 0, left)
PY
)
store() { python3 -c "$store_py" "$@"; }
now_ms() { date +%s%3N; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # user + system, every thread

# wrk's output -> "rps p50_ms p99_ms max_ms s202 s200 other errors"
parse_wrk() {
  python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.M))
mx = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", text, re.M).group(1)
st = re.search(r"statuses: 202=(\d+) 200=(\d+) other=(\d+)", text)
errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
nerr = sum(int(x) for x in errs.groups()) if errs else 0
p50 = ms(lat["50"]) if lat else -1
p99 = ms(lat["99"]) if lat else -1
print(f"{rps:.0f} {p50:.3f} {p99:.3f} {ms(mx):.3f} {st.group(1)} {st.group(2)} {st.group(3)} {nerr}")
PY
}

# Standard Webhooks signatures: "id TAB timestamp TAB v1,base64(hmac) TAB body", one a line.
presign() {
  python3 - "$1" "$2" "$secret" <<'PY'
import base64, hashlib, hmac, sys, time
out, n, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3]
key = base64.b64decode(secret.removeprefix("whsec_"))
ts = str(int(time.time()))
with open(out, "w") as f:
    for i in range(n):
        mid = f"msg_{i}"
        body = f'{{"email":"signed-{i}@acme{i % 500}.test","name":{{"first":"Ana"}},"score":{i % 100}}}'
        sig = base64.b64encode(hmac.new(key, f"{mid}.{ts}.{body}".encode(), hashlib.sha256).digest())
        f.write(f"{mid}\t{ts}\tv1,{sig.decode()}\t{body}\n")
PY
}

write_workflow() {
  cat >"$1" <<'YAML'
name: bench-hooks
version: "1"
inputs:
  email: {type: string, required: true}
  first_name: {type: string}
  score: {type: integer}
triggers:
  - webhook:
      name: bench-lead
      input:
        email: "{{ body.email }}"
        first_name: "{{ body.name.first }}"
        score: "{{ body.score }}"
      signature: {scheme: none}
      allow_unsigned: true
  - webhook:
      name: bench-signed
      input:
        email: "{{ body.email }}"
        first_name: "{{ body.name.first }}"
        score: "{{ body.score }}"
      signature: {scheme: standard_webhooks, secret: bench}
steps:
  - id: greet
    set:
      greeting: 'Hi {{ inputs.first_name | "there" }}'
  - id: tier
    if: "inputs.score >= 50"
    then:
      - set: {tier: hot}
    else:
      - set: {tier: warm}
  - id: notify
    uses: noop.pass
    with:
      to: "{{ inputs.email }}"
      text: "{{ vars.greeting }} ({{ vars.tier }})"
YAML
}

results=$(mktemp /tmp/relance-bench-hooks-results.XXXXXX)   # one line per repetition
echo "relance: $relance ($("$relance" --version 2>/dev/null | head -1))"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
((without_feed)) && echo "without the events feed's triggers"
echo "phases: ${lat_seconds}s at 1 connection; ${seconds}s at $connections connections (wrk -t$wrk_threads); serve --threads $server_threads"
for ((rep = 1; rep <= repeat; rep++)); do
  work=$(mktemp -d /tmp/relance-bench-hooks.XXXXXX)
  db="$work/bench.db"
  write_workflow "$work/bench.yaml"
  "$relance" --db "$db" deploy "$work/bench.yaml" >/dev/null
  if ((without_feed)); then
    python3 -c "
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
for (name,) in con.execute(\"SELECT name FROM sqlite_master WHERE type='trigger' AND name LIKE 'feed_%'\").fetchall():
    con.execute(f'DROP TRIGGER {name}')
con.commit()" "$db"
  fi
  load=$(cut -d' ' -f1 /proc/loadavg)

  "$relance" --db "$db" serve --listen 127.0.0.1:0 --threads "$server_threads" \
    2>"$work/serve.log" &
  server_pid=$!
  port=""
  for _ in $(seq 100); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$work/serve.log")
    [[ -n $port ]] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.1
  done
  [[ -n $port ]] || { echo "the server did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
  url="http://127.0.0.1:$port/v1/hooks/bench-lead"

  # The highest VmRSS seen, every 0.1 s, in a file (VmHWM is read at the end as well).
  (
    peak=0
    while kill -0 "$server_pid" 2>/dev/null; do
      rss=$(awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || echo 0)
      ((rss > peak)) && peak=$rss && echo "$peak" >"$work/rss.peak"
      sleep 0.1
    done
  ) &
  sampler_pid=$!

  # 1. Latency at one connection.
  BENCH_TAG="lat$rep" wrk -t1 -c1 -d"${lat_seconds}s" --latency -s "$lua" "$url" >"$work/wrk-lat.txt"
  read -r _ lat_p50 lat_p99 lat_max lat_202 _ lat_other _ < <(parse_wrk "$work/wrk-lat.txt")
  from=$(store count "$db")
  store settle "$db" 0 60 >/dev/null   # every run of the latency phase finishes first

  # 2. Throughput at $connections connections, then until every run started is completed.
  from=$(store count "$db")
  cpu0=$(cpu_ticks "$server_pid")
  t0=$(now_ms)
  BENCH_TAG="tp$rep" BENCH_THREADS=$wrk_threads /usr/bin/time -f "%U %S" -o "$work/wrk-cpu.txt" \
    wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" --latency -s "$lua" "$url" \
    >"$work/wrk-tp.txt"
  t1=$(now_ms)
  read -r tp_rps tp_p50 tp_p99 tp_max tp_202 tp_200 tp_other tp_err < <(parse_wrk "$work/wrk-tp.txt")
  read -r runs completed not_completed first last left < <(store settle "$db" "$from" 120)
  ((left == 0)) || echo "warning: $left runs still ready or waiting after 120 s" >&2
  cpu1=$(cpu_ticks "$server_pid")
  # CPU of the server per run (every thread: requests, run starts, the worker), and the share
  # of the two cores that the server and wrk took while the load ran.
  read -r cpu_us_per_run server_cores wrk_cores < <(python3 -c "
tick = $(getconf CLK_TCK); wall = max($last - $t0, 1) / 1000; w = sum(map(float, open('$work/wrk-cpu.txt').read().split()[-2:]))
print(round(($cpu1 - $cpu0) / tick / max($completed, 1) * 1e6), round(($cpu1 - $cpu0) / tick / wall, 2), round(w / $seconds, 2))")
  total_s=$(python3 -c "print(max($last - $t0, 1) / 1000)")
  drain_s=$(python3 -c "print(max($last - $t1, 0) / 1000)")
  runs_per_s=$(python3 -c "print(round($completed / $total_s))")

  # 3. (optional) Signed requests at the same concurrency.
  sig_rps=0 sig_p99=0 sig_202=0
  if ((signed)); then
    presign "$work/signed.tsv" $((seconds * 20000))
    BENCH_SIGNED="$work/signed.tsv" BENCH_THREADS=$wrk_threads wrk -t"$wrk_threads" \
      -c"$connections" -d"${seconds}s" --latency -s "$lua" \
      "http://127.0.0.1:$port/v1/hooks/bench-signed" >"$work/wrk-signed.txt"
    read -r sig_rps _ sig_p99 _ sig_202 _ _ _ < <(parse_wrk "$work/wrk-signed.txt")
    store settle "$db" "$from" 120 >/dev/null
  fi

  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$server_pid/status")
  # What the resident memory is made of at the end: the heap and stacks (RssAnon), and the
  # pages of the database file read through SQLite's memory map and of the binary (RssFile).
  rss_parts=$(awk '/^Rss(Anon|File|Shmem)/ {printf "%s %d MB, ", $1, $2 / 1024}' \
    "/proc/$server_pid/status")
  rss_peak=$(cat "$work/rss.peak" 2>/dev/null || echo 0)
  cleanup_work=$work
  kill "$sampler_pid" 2>/dev/null || true
  kill -TERM "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid="" sampler_pid=""
  ((keep)) && echo "  kept: $cleanup_work" || rm -rf "$cleanup_work"
  work=""

  printf '#%d (load %s): %s req/s at %d conn (p50 %s ms, p99 %s ms); 202: %s, 200: %s, other: %s, socket errors: %s\n' \
    "$rep" "$load" "$tp_rps" "$connections" "$tp_p50" "$tp_p99" "$tp_202" "$tp_200" "$tp_other" "$tp_err"
  printf '    runs: %s started, %s completed in %s s (%s s after the load stopped): %s runs/s started and completed\n' \
    "$runs" "$completed" "$total_s" "$drain_s" "$runs_per_s"
  printf '    CPU: %s us of server CPU per run; the server used %s cores, wrk %s\n' \
    "$cpu_us_per_run" "$server_cores" "$wrk_cores"
  printf '    1 connection: p50 %s ms, p99 %s ms, max %s ms (%s runs, other answers: %s)\n' \
    "$lat_p50" "$lat_p99" "$lat_max" "$lat_202" "$lat_other"
  printf '    peak RSS: VmHWM %d MB, highest VmRSS sampled %d MB; at the end: %s\n' \
    $((hwm / 1024)) $((rss_peak / 1024)) "${rss_parts%, }"
  ((signed)) && printf '    signed (standard_webhooks): %s req/s, p99 %s ms, 202: %s\n' \
    "$sig_rps" "$sig_p99" "$sig_202"
  echo "$tp_rps $runs_per_s $tp_202 $completed $drain_s $tp_p99 $lat_p50 $lat_p99 $lat_max $((hwm / 1024)) $sig_rps $sig_p99 $tp_err $tp_other $cpu_us_per_run $server_cores $wrk_cores" >>"$results"
done

python3 - "$results" "$connections" "$signed" "$json_out" <<'PY'
import json, statistics, sys
results, conns, signed, json_out = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
names = ["requests_per_s", "runs_per_s", "accepted_202", "runs_completed", "drain_s",
         "p99_ms_at_load", "p50_ms_1conn", "p99_ms_1conn", "max_ms_1conn", "peak_rss_mb",
         "signed_requests_per_s", "signed_p99_ms", "socket_errors", "other_statuses",
         "cpu_us_per_run", "server_cores", "wrk_cores"]
rows = [dict(zip(names, map(float, line.split()))) for line in open(results) if line.strip()]
label = {
    "requests_per_s": f"requests/s at {conns} connections",
    "runs_per_s": "runs started and completed /s",
    "accepted_202": "202 answers",
    "drain_s": "s from the load's end to the last completion",
    "p99_ms_at_load": f"p99 ms at {conns} connections",
    "p50_ms_1conn": "p50 ms at 1 connection",
    "p99_ms_1conn": "p99 ms at 1 connection",
    "max_ms_1conn": "max ms at 1 connection",
    "peak_rss_mb": "peak RSS MB (VmHWM)",
    "cpu_us_per_run": "server CPU us per run",
    "server_cores": "cores used by the server",
    "wrk_cores": "cores used by wrk",
    "signed_requests_per_s": f"signed requests/s at {conns} connections",
    "signed_p99_ms": f"signed p99 ms at {conns} connections",
}
print(f"\nmedian (min - max) of {len(rows)} runs:")
for k, text in label.items():
    if k.startswith("signed") and not signed:
        continue
    v = [r[k] for r in rows]
    fmt = (lambda x: f"{x:,.0f}") if max(v) >= 100 or k == "peak_rss_mb" else (lambda x: f"{x:.2f}")
    print(f"  {text:48s} {fmt(statistics.median(v)):>9s}  ({fmt(min(v))} - {fmt(max(v))})")
if json_out:
    json.dump(rows, open(json_out, "w"), indent=1)
PY
