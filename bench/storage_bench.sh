#!/usr/bin/env bash
# What the worker costs per durable step on disk and in CPU, and how fast it resumes timers:
# `relance worker --until-idle` on RUNS leads of a five-step workflow (noop.pass, safe to repeat)
# and on RUNS leads waiting on a timer, Release build, REPEAT times each into a fresh database.
# Prints each repetition, then the median and the range:
#   - steps/s and CPU microseconds per step (user + system, from wait4),
#   - bytes written per step (the kernel's count of bytes the process sent to the disk),
#   - bytes kept per finished run (SQLite's dbstat over the whole file),
#   - timer resumes per second (runs due on an expired timer, claimed, stepped and finished).
#   bench/storage_bench.sh [RUNS] [REPEAT]        default: 20000 runs, 5 repetitions
# Environment: BUILD_DIR (default build-release), WORK (default /tmp/relance-storage-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20000}
repeat=${2:-5}
build=${BUILD_DIR:-build-release}
work=${WORK:-/tmp/relance-storage-bench}

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRELANCE_BUILD_TESTS=OFF \
  -DRELANCE_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target relance noop >/dev/null
mkdir -p "$work"

python3 - "$PWD/$build/bin/relance" "$work" "$runs" "$repeat" <<'PY'
import os, sqlite3, statistics, subprocess, sys, time

relance, work, runs, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
db = os.path.join(work, "bench.db")
five = os.path.join(work, "five.yaml")
timer = os.path.join(work, "timer.yaml")
leads = os.path.join(work, f"leads-{runs}.csv")
steps = "\n".join(
    f'  - {{id: s{i}, uses: noop.pass, with: {{to: "{{{{ inputs.email }}}}", n: {i}}}}}'
    for i in range(1, 6))
inputs = "inputs:\n  email: {type: string, required: true}\n  first_name: {type: string}\n"
open(five, "w").write(f"name: five\nversion: 1\n{inputs}steps:\n{steps}\n")
open(timer, "w").write(f"name: timer\nversion: 1\n{inputs}steps:\n  - wait: 1h\n"
                       '  - {id: after, uses: noop.pass, with: {to: "{{ inputs.email }}"}}\n')
if not os.path.exists(leads):
    with open(leads, "w") as f:
        f.write("email,first_name\n")
        for i in range(runs):
            f.write(f"lead{i}@acme{i % 500}.test,Name{i}\n")

def fresh(workflow):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    subprocess.run([relance, "--db", db, "run", workflow, "-i", leads], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def worker(*mode):
    """Runs the worker until nothing is due; returns (seconds, cpu seconds, bytes written)."""
    t = time.monotonic()
    p = subprocess.Popen([relance, "--db", db, "worker", *(mode or ["--until-idle"])],
                         stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit(f"worker exited with status {status}")
    return time.monotonic() - t, usage.ru_utime + usage.ru_stime, usage.ru_oublock * 512

rows = []
for i in range(repeat):
    fresh(five)
    seconds, cpu, written = worker()
    con = sqlite3.connect(db)
    n = con.execute("SELECT count(*) FROM steps").fetchone()[0]
    done = con.execute("SELECT count(*) FROM runs WHERE status='completed'").fetchone()[0]
    kept = con.execute("SELECT sum(pgsize) FROM dbstat").fetchone()[0]
    con.close()
    if done != runs:
        sys.exit(f"only {done} of {runs} runs completed")
    fresh(timer)
    worker()  # every run reaches its timer, an hour away
    con = sqlite3.connect(db)
    waiting = con.execute("SELECT count(*) FROM runs WHERE status='waiting'").fetchone()[0]
    con.close()
    if waiting != runs:
        sys.exit(f"only {waiting} of {runs} runs wait on their timer")
    # Virtual time jumps to the timers: every run resumes, steps and finishes.
    t_seconds, _, _ = worker("--fast-forward")
    con = sqlite3.connect(db)
    done = con.execute("SELECT count(*) FROM runs WHERE status='completed'").fetchone()[0]
    con.close()
    if done != runs:
        sys.exit(f"only {done} of {runs} timer runs completed")
    row = dict(steps_per_s=n / seconds, cpu_us_per_step=cpu * 1e6 / n,
               written_per_step=written / n, kept_per_run=kept / runs,
               resumes_per_s=runs / t_seconds)
    rows.append(row)
    print(f"run {i + 1}: {row['steps_per_s']:8.0f} steps/s  {row['cpu_us_per_step']:6.1f} us CPU/step"
          f"  {row['written_per_step']:7.0f} B written/step  {row['kept_per_run']:6.0f} B kept/run"
          f"  {row['resumes_per_s']:7.0f} timer resumes/s", flush=True)

print(f"median and range over {repeat} runs of {runs} leads ({runs * 5} steps):")
for key, label in [("steps_per_s", "steps/s"), ("cpu_us_per_step", "us CPU per step"),
                   ("written_per_step", "bytes written per step"),
                   ("kept_per_run", "bytes kept per finished five-step run"),
                   ("resumes_per_s", "timer resumes/s")]:
    values = [r[key] for r in rows]
    print(f"  {label:40s} {statistics.median(values):10.1f}  ({min(values):.1f} - {max(values):.1f})")
PY
