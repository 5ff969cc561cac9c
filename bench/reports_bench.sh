#!/usr/bin/env bash
# `relance stats` and `relance runs list` on a database of RUNS runs: time and peak memory (RSS),
# Release build. Generates the database once (kept in /tmp, reused), then times each command
# REPEATS times, printing each time, the median, the spread and the peak RSS.
#   bench/reports_bench.sh [RUNS] [REPEATS]       default: 1000000 runs, 5 repeats
# Environment:
#   BUILD_DIR  the Release build (default build-release)
#   RELANCE    a relance binary to measure instead of building one (the figures of an older
#              commit: build it elsewhere and point RELANCE at it; measure it first, since a
#              newer relance adds indexes to the database that an older one would use too)
#   DB         the database (default /tmp/relance-reports-v7-RUNS.db)
#   MAX_LOAD   wait (up to 10 minutes) while the 1-minute load average is above it (default 1.5)
#
# The database: RUNS runs of bench/reports_workflow.yaml (intro with variants a/b, wait 3d,
# follow_up (sticky variant), wait 4d, breakup), written row by row in the store's own schema
# (the schema is created by relance itself) with the shapes the executor writes: 70% completed
# (three emails), 12% waiting after the intro, 8% waiting after the follow-up, 4% stopped by a
# reply, 2% failed at the intro (a 400), 1% with a retried intro (a 503, then sent), 1% with a
# failed breakup (on_error: continue). About 0.6 events per run: opens and clicks naming their
# message, replies and unsubscribes naming none, bounces. Runs are created 1,000 at a time, each
# thousand with one created_at (`relance run` gives all the runs it starts one); ids are the
# engine's (hashes: random order). REPEATS 0 only generates the database.
# A newer relance adds its indexes the first time it opens the database: that first open is
# timed on its own ("first open") and kept out of the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}
repeats=${2:-5}
build=${BUILD_DIR:-build-release}
db=${DB:-/tmp/relance-reports-v7-$runs.db}  # v7: the schema version it is generated for
max_load=${MAX_LOAD:-1.5}
workflow=reports_bench

if [ -n "${RELANCE:-}" ]; then
  relance=$RELANCE
else
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRELANCE_BUILD_TESTS=OFF \
    -DRELANCE_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build" --target relance sendgrid >/dev/null
  relance=$build/bin/relance
fi

if [ ! -s "$db" ]; then
  echo "generating $db ($runs runs)" >&2
  tmp=$db.tmp
  rm -f "$tmp" "$tmp-wal" "$tmp-shm"
  # The schema and the workflow version, by relance itself (one run, removed below).
  printf 'email\nseed@seed.test\n' | "$relance" --db "$tmp" run bench/reports_workflow.yaml \
    --input - >/dev/null
  python3 - "$runs" "$tmp" <<'PY'
import hashlib, json, random, sqlite3, sys
n, path = int(sys.argv[1]), sys.argv[2]
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=OFF")
db.execute("PRAGMA synchronous=OFF")
db.execute("PRAGMA cache_size=-1000000")
db.execute("BEGIN")
wf = "reports_bench"
version = db.execute("SELECT id FROM workflow_versions WHERE name=?", (wf,)).fetchone()[0]
for t in ("steps", "run_contacts", "events", "sandbox_records", "runs"):
    db.execute(f"DELETE FROM {t}")
# The database as a relance of before the reports' indexes wrote it (they are only in the way
# while generating): a newer relance adds them when it first opens it ("first open" below).
for index in ("runs_created", "runs_workflow_created"):
    db.execute(f"DROP INDEX IF EXISTS {index}")
rng = random.Random(42)
day = 86_400_000
base = 1_767_603_600_000  # 2026-01-05 09:00 UTC
RUN_SQL = ("INSERT INTO runs (row, id, workflow_version_id, workflow_name, idempotency_key, status, "
           "node, attempt, context, due_at, reason, next_seq, message_id, contact_key, "
           "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
STEP_SQL = ("INSERT INTO steps (run_row, seq, step_id, kind, status, attempt, started_at, "
            "finished_at, message_id, detail, output) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
# Step statuses are stored as codes (engine/src/store/step_status_codes.hpp).
STEP_CODES = {"succeeded": 1, "failed": 2, "retry": 3, "waiting": 7, "stopped": 15}
EVENT_SQL = ("INSERT INTO events (event_id, contact_key, type, run_id, message_id, occurred_at, "
             "recorded_at, data) VALUES (?,?,?,?,?,?,?,'{}')")
runs, steps, contacts, events = [], [], [], []
nevents = 0

def provider_id():
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                   for _ in range(22))

def flush():
    db.executemany(RUN_SQL, runs)
    db.executemany(STEP_SQL, steps)
    db.executemany("INSERT INTO run_contacts (contact_key, run_row) VALUES (?,?)", contacts)
    db.executemany(EVENT_SQL, events)
    runs.clear(); steps.clear(); contacts.clear(); events.clear()

for i in range(n):
    key = f"id:lead-{i}"
    rid = "r_" + hashlib.sha256(f"{wf}\n{key}".encode()).hexdigest()[:16]
    email = f"lead{i}@company{i % 5000}.test"
    contact = "email:" + email
    created = base + (i // 1000) * 60_000
    variant = "a" if rng.random() < 0.5 else "b"
    inputs = {"company": f"Company {i % 5000}", "email": email, "first_name": f"First{i}",
              "id": f"lead-{i}"}
    ctx_steps = {}
    seq = 0
    at = created + 84
    timeline = []  # (step_id, kind, status, at, message_id, detail, output)
    r = rng.random()
    outcome = ("failed" if r < 0.02 else "waiting1" if r < 0.14 else "waiting2" if r < 0.22
               else "stopped" if r < 0.26 else "completed")
    retried = rng.random() < 0.01
    breakup_fails = rng.random() < 0.01
    sent = {}  # step -> (at, message id)

    def send(step, detail, fail=None, msg=None):
        global seq
        msg = msg or f"{rid}.{step}.{seq + 1}"  # a retried step keeps its first message id
        if fail:
            seq += 1
            timeline.append((step, "sendgrid.send", fail[0], at, msg, fail[1], None))
            ctx_steps[step] = {"error": fail[1], "status": "failed"}
            return
        seq += 1
        out = {"engine_msg_id": msg, "provider_message_id": provider_id(), "status": 202}
        timeline.append((step, "sendgrid.send", "succeeded", at, msg, detail,
                         json.dumps(out, separators=(",", ":"))))
        ctx_steps[step] = {"output": out, "status": "succeeded"}
        if detail:
            ctx_steps[step]["variant"] = variant
        sent[step] = (at, msg)

    def wait(step, days):
        global seq
        seq += 1
        timeline.append((step, "wait", "waiting", at, "", f"until +{days}d", None))

    status, node, due, reason = "completed", -1, None, ""
    if retried:
        seq += 1
        timeline.append(("intro", "sendgrid.send", "retry", at, f"{rid}.intro.1",
                         "503: sendgrid answered 503: retry at +5m", None))
        at += 300_000
    if outcome == "failed":
        send("intro", "", fail=("failed", "sendgrid answered 400: injected failure"),
             msg=f"{rid}.intro.1")
        status, node, reason = "failed", 0, "step intro failed: sendgrid answered 400"
    else:
        send("intro", f"variant {variant}", msg=f"{rid}.intro.1")
        wait("wait", 3)
        if outcome == "waiting1":
            status, node, due = "waiting", 1, at + 3 * day
        else:
            at += 3 * day
            send("follow_up", f"variant {variant}")
            wait("wait_2", 4)
            if outcome == "waiting2":
                status, node, due = "waiting", 3, at + 4 * day
            elif outcome == "stopped":
                status, node = "exited", 3
                reason = f"stopped: contact replied (event evt_{i:024x})"
                seq += 1
                timeline.append(("stop_on", "event", "stopped", at + day, "",
                                 f"contact replied (event evt_{i:024x}): the workflow stops on "
                                 "replied", None))
            else:
                at += 4 * day
                if breakup_fails:
                    send("breakup", "", fail=("failed", "sendgrid answered 400: bad recipient"))
                else:
                    send("breakup", "")
    context = json.dumps({"inputs": inputs, "senders": {}, "steps": ctx_steps, "vars": {}},
                         separators=(",", ":"), sort_keys=True)
    last_msg = timeline[-1][4] if status == "failed" else ""
    updated = max(t[3] for t in timeline)
    runs.append((i + 1, rid, version, wf, key, status, node, 1, context, due, reason, seq + 1, last_msg,
                 contact, created, updated))
    contacts.append((contact, i + 1))
    for k, (step, kind, st, t, msg, detail, out) in enumerate(timeline):
        steps.append((i + 1, k + 1, step, kind, STEP_CODES[st], 1, t, t, msg, detail, out))

    def event(kind, message_id, when):
        global nevents
        nevents += 1
        events.append((f"evt_{nevents:024x}", contact, kind, "", message_id, when, when))
    if "intro" in sent:
        t, msg = sent["intro"]
        if rng.random() < 0.35: event("opened", msg, t + 5 * 3_600_000)
        if rng.random() < 0.05: event("clicked", msg, t + 6 * 3_600_000)
        if rng.random() < 0.01: event("bounced", msg, t + 300_000)
    if "follow_up" in sent:
        t, msg = sent["follow_up"]
        if rng.random() < 0.15: event("opened", msg, t + 5 * 3_600_000)
        if outcome == "stopped": event("replied", "", t + day)
    if sent and rng.random() < 0.005:
        event("unsubscribed", "", max(t for t, _ in sent.values()) + 2 * day)
    if i % 10_000 == 9_999:
        flush()
        if i % 200_000 == 199_999:
            print(f"  {i + 1} runs", file=sys.stderr)
flush()
db.execute("COMMIT")
db.execute("PRAGMA journal_mode=WAL")
counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
          for t in ("runs", "steps", "events")}
print(f"  {counts['runs']} runs, {counts['steps']} steps, {counts['events']} events",
      file=sys.stderr)
PY
  mv "$tmp" "$db"
fi

echo "database: $db ($(du -m "$db" | cut -f1) MB); indexes on runs:" \
  "$(sqlite3 "$db" "SELECT group_concat(name, ', ') FROM sqlite_master WHERE type='index' AND tbl_name='runs'")"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(free -g | awk '/Mem:/ { print $2 }') GiB; binary: $relance"

load() { cut -d' ' -f1 /proc/loadavg; }
wait_for_quiet() {
  local waited=0
  while awk -v l="$(load)" -v m="$max_load" 'BEGIN { exit !(l > m) }' && [ $waited -lt 600 ]; do
    [ $waited -eq 0 ] && echo "  load $(load) > $max_load: waiting" >&2
    sleep 20
    waited=$((waited + 20))
  done
}

[ "$repeats" -gt 0 ] || exit 0

# The first open of the database by this binary (a newer one creates its indexes then).
start=$(date +%s%N)
"$relance" --db "$db" runs list --limit 1 >/dev/null
echo "first open (runs list --limit 1): $(( ($(date +%s%N) - start) / 1000000 )) ms"

measure() {
  local name=$1
  shift
  local times=() log
  log=$(mktemp)
  echo "$name"
  for i in $(seq "$repeats"); do
    wait_for_quiet
    local before
    before=$(load)
    /usr/bin/time -f '%e %M' -o "$log" "$relance" --db "$db" "$@" >/dev/null
    read -r seconds rss_kb <"$log"
    echo "  run $i: ${seconds} s, peak RSS $((rss_kb / 1024)) MB (load $before)"
    times+=("$seconds $((rss_kb / 1024))")
  done
  rm -f "$log"
  printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" '{ t[NR] = $1; m[NR] = $2 }
    END { k = int((NR + 1) / 2); max_rss = 0; for (i = 1; i <= NR; i++) if (m[i] > max_rss) max_rss = m[i]
          printf "  %s: median %s s (%s - %s, %d runs), peak RSS %s MB (median run %s MB)\n",
                 name, t[k], t[1], t[NR], NR, max_rss, m[k] }'
}

measure "stats $workflow" stats "$workflow"
measure "runs list" runs list
measure "runs list --limit $runs --json" --json runs list --limit "$runs"
