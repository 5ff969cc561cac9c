#!/usr/bin/env python3
"""Which tables the worker's writes land in: WAL frames per durable step, by table.

    bench/wal_frames.py RELANCE WORKFLOW LEADS.csv [timer]

Starts LEADS with `relance run` into a fresh database (/tmp/relance-wal-frames/x.db), holds a
read transaction open so that no checkpoint can empty the WAL, runs `relance worker
--until-idle` (with `timer`: once to reach the timers, then `--fast-forward` through them),
copies the WAL, and counts its frames by the table or index each page belongs to (SQLite's
dbstat afterwards; pages moved meanwhile count as "?"). A frame is a page written: 4 KiB plus
24 bytes, copied again into the database at the next checkpoint.
"""
import collections, os, shutil, sqlite3, struct, subprocess, sys

relance, wf, leads, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
work = "/tmp/relance-wal-frames"
os.makedirs(work, exist_ok=True)
db = os.path.join(work, "x.db")
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(db + suffix):
        os.remove(db + suffix)
quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
subprocess.run([relance, "--db", db, "run", wf, "-i", leads], **quiet)
worker = ["--until-idle"]
if mode and mode[0] == "timer":
    subprocess.run([relance, "--db", db, "worker", "--until-idle"], **quiet)
    worker = ["--fast-forward"]
hold = sqlite3.connect(db, isolation_level=None)
hold.execute("BEGIN")
hold.execute("SELECT count(*) FROM runs").fetchone()
subprocess.run([relance, "--db", db, "worker", *worker], **quiet)
shutil.copy(db + "-wal", os.path.join(work, "copy-wal"))
hold.execute("COMMIT")
con = sqlite3.connect(db)
names = dict(con.execute("SELECT pageno, name FROM dbstat"))
steps = con.execute("SELECT count(*) FROM steps").fetchone()[0]
data = open(os.path.join(work, "copy-wal"), "rb").read()
page_size = struct.unpack(">I", data[8:12])[0]
offset, frames, commits, total = 32, collections.Counter(), 0, 0
while offset + 24 + page_size <= len(data):
    page, commit = struct.unpack(">II", data[offset:offset + 8])
    frames[names.get(page, "?")] += 1
    total += 1
    commits += 1 if commit else 0
    offset += 24 + page_size
print(f"{steps} steps, {total} frames in {commits} commits: {total / steps:.2f} frames per step")
for name, n in frames.most_common(15):
    print(f"  {name:28s} {n:8d}  {n / steps:.3f} per step")
