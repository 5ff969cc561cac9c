// The SQLite schema. Bump kSqliteSchemaVersion and append migration steps when it changes.
#pragma once

namespace relance::store {

inline constexpr int kSqliteSchemaVersion = 1;

inline constexpr const char* kSqliteSchema = R"SQL(
CREATE TABLE IF NOT EXISTS workflow_versions (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  version     TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  file        TEXT NOT NULL,
  source      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (name, sha256)
);

CREATE TABLE IF NOT EXISTS runs (
  id                  TEXT PRIMARY KEY,
  workflow_version_id INTEGER NOT NULL REFERENCES workflow_versions(id),
  workflow_name       TEXT NOT NULL,
  idempotency_key     TEXT NOT NULL,
  status              TEXT NOT NULL,
  node                INTEGER NOT NULL,
  attempt             INTEGER NOT NULL,
  context             TEXT NOT NULL,
  due_at              INTEGER,
  reason              TEXT NOT NULL DEFAULT '',
  inflight_seq        INTEGER,
  next_seq            INTEGER NOT NULL DEFAULT 1,
  message_id          TEXT NOT NULL DEFAULT '',
  lease_owner         TEXT,
  lease_until         INTEGER,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  UNIQUE (workflow_name, idempotency_key)
);
-- The due-time index: only runs that can become due are in it.
CREATE INDEX IF NOT EXISTS runs_due ON runs (due_at) WHERE status IN ('ready', 'waiting');
CREATE INDEX IF NOT EXISTS runs_status ON runs (status, created_at);

CREATE TABLE IF NOT EXISTS steps (
  run_id      TEXT NOT NULL REFERENCES runs(id),
  seq         INTEGER NOT NULL,
  step_id     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  status      TEXT NOT NULL,
  attempt     INTEGER NOT NULL,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  message_id  TEXT NOT NULL DEFAULT '',
  detail      TEXT NOT NULL DEFAULT '',
  output      TEXT,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS sandbox_records (
  id          INTEGER PRIMARY KEY,
  plugin      TEXT NOT NULL,
  box         TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  entry       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sandbox_records_box ON sandbox_records (box, plugin, id);
)SQL";

}  // namespace relance::store
