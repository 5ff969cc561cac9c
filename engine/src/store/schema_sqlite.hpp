// The SQLite schema. Bump kSqliteSchemaVersion and append migration steps when it changes.
#pragma once

namespace relance::store {

inline constexpr int kSqliteSchemaVersion = 14;

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

-- `row` is the run's number in creation order, the key its steps are stored under: a run's
-- steps then sit together and next to those of the runs created with it, so a batch of steps
-- writes a few pages rather than one per step (run ids are hashes, scattered). An INTEGER
-- PRIMARY KEY, because a rowid that is not one may change on VACUUM. The id is derived from the
-- workflow and the idempotency key (store::run_id_for): its being unique makes a key start one
-- run per workflow, with no second index over both.
CREATE TABLE IF NOT EXISTS runs (
  row                 INTEGER PRIMARY KEY,
  id                  TEXT NOT NULL UNIQUE,
  workflow_version_id INTEGER NOT NULL REFERENCES workflow_versions(id),
  workflow_name       TEXT NOT NULL,
  idempotency_key     TEXT NOT NULL,
  status              TEXT NOT NULL,
  node                INTEGER NOT NULL,
  attempt             INTEGER NOT NULL,
  context             TEXT NOT NULL,
  due_at              INTEGER,
  reason              TEXT NOT NULL DEFAULT '',
  next_seq            INTEGER NOT NULL DEFAULT 1,
  message_id          TEXT NOT NULL DEFAULT '',
  contact_key         TEXT NOT NULL DEFAULT '',
  lease_owner         TEXT,
  lease_until         INTEGER,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
);
-- The due-time index: only runs that can become due are in it.
CREATE INDEX IF NOT EXISTS runs_due ON runs (due_at) WHERE status IN ('ready', 'waiting');
CREATE INDEX IF NOT EXISTS runs_status ON runs (status, created_at);
-- Leases held: releasing them at a worker's start costs the leased rows, not every run.
CREATE INDEX IF NOT EXISTS runs_leased ON runs (lease_owner) WHERE lease_owner IS NOT NULL;
-- Added after version 5 (kSqliteLateIndexes): `runs list` reads its page in order, oldest
-- first (the rowid after created_at: creation order), with or without a workflow. Both take new
-- runs at their end, so starting runs costs about nothing more (an index in run id order would
-- take each at a random place: a page written per run, imports twice as slow).
CREATE INDEX IF NOT EXISTS runs_created ON runs (created_at);
CREATE INDEX IF NOT EXISTS runs_workflow_created ON runs (workflow_name, created_at);

-- Every identity of each run's contact (email, phone, LinkedIn): an event recorded under any of
-- them stops the run (a reply by SMS stops the email sequence).
CREATE TABLE IF NOT EXISTS run_contacts (
  contact_key TEXT NOT NULL,
  run_row     INTEGER NOT NULL,
  PRIMARY KEY (contact_key, run_row)
) WITHOUT ROWID;

-- `status` is the status's code (step_status_codes.hpp): 0 started, 1 succeeded, 2 failed,
-- 12 reconciled, ... (the names are in `relance runs show`).
CREATE TABLE IF NOT EXISTS steps (
  run_row     INTEGER NOT NULL REFERENCES runs(row),
  seq         INTEGER NOT NULL,
  step_id     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  status      INTEGER NOT NULL,
  attempt     INTEGER NOT NULL,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  -- NULL: the run's id, the step id and the seq, joined by dots (what the engine gives an
  -- action's first attempt): not stored twice.
  message_id  TEXT,
  detail      TEXT NOT NULL DEFAULT '',
  output      TEXT,
  PRIMARY KEY (run_row, seq)
) WITHOUT ROWID;
-- The effect log's pending effects: steps started and not finished (a handful at any time).
CREATE INDEX IF NOT EXISTS steps_started ON steps (run_row, seq) WHERE status = 0;

CREATE TABLE IF NOT EXISTS events (
  seq         INTEGER PRIMARY KEY,
  event_id    TEXT NOT NULL UNIQUE,
  contact_key TEXT NOT NULL,
  type        TEXT NOT NULL,
  run_id      TEXT NOT NULL DEFAULT '',
  message_id  TEXT NOT NULL DEFAULT '',
  occurred_at INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  data        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS events_contact ON events (contact_key, occurred_at);

CREATE TABLE IF NOT EXISTS suppressions (
  kind        TEXT NOT NULL,
  value       TEXT NOT NULL,
  source      TEXT NOT NULL,
  locked      INTEGER NOT NULL,
  reason      TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (kind, value)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (key, value) VALUES ('suppression_generation', 0);

-- What sender limits count (store.hpp, Send).
CREATE TABLE IF NOT EXISTS sends (
  run_id           TEXT NOT NULL,
  seq              INTEGER NOT NULL,
  sender           TEXT NOT NULL,
  channel          TEXT NOT NULL,
  contact_key      TEXT NOT NULL,
  recipient_domain TEXT NOT NULL,
  at               INTEGER NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sends_sender ON sends (sender, at);
CREATE INDEX IF NOT EXISTS sends_contact ON sends (contact_key, channel, at);

CREATE TABLE IF NOT EXISTS senders (
  id           TEXT PRIMARY KEY,
  first_use_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Accounts the provider refused (a revoked key, an unverified sender): their sends wait.
CREATE TABLE IF NOT EXISTS account_pauses (
  key       TEXT PRIMARY KEY,
  reason    TEXT NOT NULL,
  since     INTEGER NOT NULL,
  probe_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS sandbox_records (
  id          INTEGER PRIMARY KEY,
  plugin      TEXT NOT NULL,
  box         TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  entry       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sandbox_records_box ON sandbox_records (box, plugin, id);

-- API keys of the server: a token is shown once; only its SHA-256 is kept, found by its prefix.
CREATE TABLE IF NOT EXISTS api_keys (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  prefix          TEXT NOT NULL UNIQUE,
  hash            TEXT NOT NULL,
  scopes          TEXT NOT NULL,
  rate_per_minute INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  revoked_at      INTEGER
) WITHOUT ROWID;

-- Deployed workflows: the version new runs of each take. seq grows with every deploy, so a
-- server sees another process's deploy by reading max(seq).
CREATE TABLE IF NOT EXISTS deployments (
  name                TEXT PRIMARY KEY,
  workflow_version_id INTEGER NOT NULL REFERENCES workflow_versions(id),
  seq                 INTEGER NOT NULL,
  deployed_at         INTEGER NOT NULL
) WITHOUT ROWID;

-- Cron triggers: the latest slot each has handled (fired, or skipped by its missed-fire
-- policy), so a slot fires once across restarts. The run of a slot is keyed by the slot too.
CREATE TABLE IF NOT EXISTS cron_slots (
  key  TEXT PRIMARY KEY,
  slot INTEGER NOT NULL
) WITHOUT ROWID;

-- [contacts]
-- Contact records (POST /v1/contacts): attributes, known by every identity key given (the key
-- is the first; `identities` the JSON array of all of them, the key first). contact_identities
-- finds the record from any of them.
CREATE TABLE IF NOT EXISTS contacts (
  key         TEXT PRIMARY KEY,
  identities  TEXT NOT NULL,
  attributes  TEXT NOT NULL DEFAULT '{}',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS contact_identities (
  identity    TEXT PRIMARY KEY,
  contact_key TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS contact_identities_contact ON contact_identities (contact_key);

-- [schema 11: outbound webhooks; the feed's shape is schema 14's]
-- The events feed (GET /v1/events, outbound webhooks): what integrators hear of. The triggers
-- below write it in the transaction of the change itself (a transactional outbox), so whichever
-- path writes a run, a step or a contact event (the worker's commit, an operator's cancel, an
-- import), its feed event commits, or rolls back, with it. A feed row holds the event's type,
-- time and the row it is about (the run, the step, the contact event); its JSON is built from
-- that row when it is read (feed_view), not copied at write time: the hot path pays one small
-- row per event, appended at the end of the table (seq only grows), and no JSON.
--   run_row    run.* and step.sent: the run (runs.row)
--   step_seq   step.sent: the step (steps.seq of that run)
--   event_seq  contact.*: the contact event (events.seq)
--   reason     run.failed and run.exited: the run's reason when it ended (a retry changes it)
--   data       rows written by schemas 11 to 13: the event's JSON as it was copied then; NULL
--              for every later row
CREATE TABLE IF NOT EXISTS feed_events (
  seq         INTEGER PRIMARY KEY,
  type        TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  run_row     INTEGER,
  step_seq    INTEGER,
  event_seq   INTEGER,
  reason      TEXT,
  data        TEXT
);
-- Webhook subscriptions: `events` is the space-separated event types it wants; `secret` its
-- Standard Webhooks signing secret, sealed (app/secret_seal.hpp); `cursor` the last feed seq
-- already fanned out into its deliveries (a new subscription starts at the feed's end).
CREATE TABLE IF NOT EXISTS webhook_subscriptions (
  id              TEXT PRIMARY KEY,
  target_url      TEXT NOT NULL,
  events          TEXT NOT NULL,
  secret          TEXT NOT NULL,
  cursor          INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  disabled_at     INTEGER,
  disabled_reason TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
-- The outbox: one delivery per subscription and feed event. status: pending (next_at says
-- when the next attempt is due), delivered, failed (attempts or age exhausted), dropped (its
-- subscription was disabled before it went).
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  subscription_id  TEXT NOT NULL,
  event_seq        INTEGER NOT NULL,
  status           TEXT NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_at          INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  last_status_code INTEGER,
  last_error       TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (subscription_id, event_seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_at)
  WHERE status = 'pending';
-- The feed's writers: a type, a time and the row's key, nothing read from other rows. Step
-- statuses are codes (step_status_codes.hpp): 1 succeeded, 12 reconciled. An action's kind
-- names its plugin ("sendgrid.send"); built-in steps have no '.'.
CREATE TRIGGER IF NOT EXISTS feed_run_started AFTER INSERT ON runs
BEGIN
  INSERT INTO feed_events (type, occurred_at, run_row) VALUES ('run.started', new.created_at,
                                                               new.row);
END;
CREATE TRIGGER IF NOT EXISTS feed_run_ended AFTER UPDATE OF status ON runs
WHEN new.status IN ('completed', 'failed', 'exited')
 AND old.status NOT IN ('completed', 'failed', 'exited')
BEGIN
  INSERT INTO feed_events (type, occurred_at, run_row, reason) VALUES (
    'run.' || new.status, new.updated_at, new.row, nullif(new.reason, ''));
END;
CREATE TRIGGER IF NOT EXISTS feed_step_sent AFTER INSERT ON steps
WHEN new.status IN (1, 12) AND instr(new.kind, '.') > 0
BEGIN
  INSERT INTO feed_events (type, occurred_at, run_row, step_seq) VALUES ('step.sent',
    coalesce(new.finished_at, new.started_at), new.run_row, new.seq);
END;
CREATE TRIGGER IF NOT EXISTS feed_step_sent_later AFTER UPDATE OF status ON steps
WHEN new.status IN (1, 12) AND old.status NOT IN (1, 12) AND instr(new.kind, '.') > 0
BEGIN
  INSERT INTO feed_events (type, occurred_at, run_row, step_seq) VALUES ('step.sent',
    coalesce(new.finished_at, new.started_at), new.run_row, new.seq);
END;
CREATE TRIGGER IF NOT EXISTS feed_contact_event AFTER INSERT ON events
WHEN new.type IN ('replied', 'bounced', 'unsubscribed')
BEGIN
  INSERT INTO feed_events (type, occurred_at, event_seq) VALUES ('contact.' || new.type,
                                                                 new.occurred_at, new.seq);
END;
-- The feed as it is read: each event with its JSON data, built from the row it is about. JSON
-- read from a row is checked first (json_valid) rather than trusted. A row gone (a GDPR erase
-- deletes the person's feed events with it) leaves '{}'.
CREATE VIEW IF NOT EXISTS feed_view AS
SELECT f.seq AS seq, f.type AS type, f.occurred_at AS occurred_at, coalesce(f.data, CASE
  WHEN f.type = 'run.started' THEN (
    SELECT json_object('run_id', r.id, 'workflow', r.workflow_name, 'contact', r.contact_key,
                       'inputs', CASE WHEN json_valid(r.context) THEN r.context -> '$.inputs' END)
    FROM runs r WHERE r.row = f.run_row)
  WHEN f.type = 'step.sent' THEN (
    SELECT json_object('run_id', r.id, 'workflow', r.workflow_name, 'contact', r.contact_key,
                       'step', s.step_id, 'kind', s.kind, 'attempt', s.attempt,
                       'message_id', coalesce(s.message_id, r.id || '.' || s.step_id || '.' ||
                                                            s.seq))
    FROM steps s CROSS JOIN runs r ON r.row = s.run_row
    WHERE s.run_row = f.run_row AND s.seq = f.step_seq)
  WHEN f.type LIKE 'run.%' THEN (
    SELECT json_object('run_id', r.id, 'workflow', r.workflow_name, 'contact', r.contact_key,
                       'status', substr(f.type, 5), 'reason', coalesce(f.reason, ''))
    FROM runs r WHERE r.row = f.run_row)
  WHEN f.type LIKE 'contact.%' THEN (
    SELECT json_object('event_id', e.event_id, 'contact', e.contact_key, 'run_id', e.run_id,
                       'message_id', e.message_id,
                       'data', CASE WHEN json_valid(e.data) THEN json(e.data) END)
    FROM events e WHERE e.seq = f.event_seq)
  END, '{}') AS data
FROM feed_events f;

-- [schema 12: secrets]
-- Plugin credentials and webhook secrets, sealed under the workspace's master key
-- (app/secret_seal.hpp): the plain values are never written here.
CREATE TABLE IF NOT EXISTS secrets (
  scope      TEXT NOT NULL,
  name       TEXT NOT NULL,
  sealed     TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (scope, name)
) WITHOUT ROWID;

-- [schema 13: tracking]
-- The key that signs tracking links (docs/tracking.md), when RELANCE_TRACKING_KEY is not set:
-- 32 random bytes made by the first process that needed one, sealed under the workspace's
-- master key (app/secret_seal.hpp; an older relance kept the bytes as they are, sealed in place
-- when next read). One row.
CREATE TABLE IF NOT EXISTS tracking_key (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  key        BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
)SQL";

// Indexes added to kSqliteSchema without a new version (only indexes may be: a database written
// by this relance then holds nothing the previous one does not know). A new or migrated
// database gets them with the schema; one of the current version that lacks one gets it when it
// is opened, each in its own transaction (building one reads the runs table: about 3 s at a
// million runs, holding the write lock). Each statement is the schema's own line.
struct SqliteLateIndex {
    const char* name;
    const char* create;
};
inline constexpr SqliteLateIndex kSqliteLateIndexes[] = {
    {"runs_created", "CREATE INDEX IF NOT EXISTS runs_created ON runs (created_at);"},
    {"runs_workflow_created",
     "CREATE INDEX IF NOT EXISTS runs_workflow_created ON runs (workflow_name, created_at);"},
};

// Upgrades from each older version, in order: kSqliteMigrations[v] takes version v+1 to v+2.
// Creating the tables above is idempotent, so `alter` only changes what CREATE IF NOT EXISTS
// cannot (columns of existing tables, tables rebuilt), before the schema runs; `fill` moves
// data into the new tables, after it. Every alter runs before the schema and every fill after
// it, so a fill is written against the latest tables (it is rewritten when they change).
struct SqliteMigration {
    const char* alter;
    const char* fill;
};
inline constexpr SqliteMigration kSqliteMigrations[] = {
    // 1 -> 2: contacts (events, suppressions) and the contact of each run.
    {"ALTER TABLE runs ADD COLUMN contact_key TEXT NOT NULL DEFAULT ''", "SELECT 1"},
    // 2 -> 3: sender accounts (the sends and senders tables are new: nothing to alter).
    {"SELECT 1", "SELECT 1"},
    // 3 -> 4: pending effects are the `started` step rows (no run column any more); the runs of
    // a contact are found by every identity; account pauses.
    {"ALTER TABLE runs DROP COLUMN inflight_seq",
     "INSERT OR IGNORE INTO run_contacts (contact_key, run_row) SELECT contact_key, row FROM "
     "runs WHERE contact_key != ''"},
    // 4 -> 5: one key per person. Email domains became A-labels (libidn2) and phone numbers
    // libphonenumber's E.164, so keys stored under the old rules ("email:anna@müller.de",
    // "phone:+310201234567") are rewritten with relance_identity_key / relance_identity_value
    // (C++ functions registered on the connection, sqlite_contacts.cpp). Suppressions that now
    // share a value merge into one that is locked if either was, with the earliest date: a
    // suppression is never lost. A value that no longer normalises is kept as it was.
    {"SELECT 1",
     R"SQL(
INSERT INTO suppressions (kind, value, source, locked, reason, created_at)
  SELECT kind, relance_identity_value(kind, value), source, locked, reason, created_at
  FROM suppressions WHERE relance_identity_value(kind, value) != value
  ON CONFLICT (kind, value) DO UPDATE SET
    source = CASE WHEN excluded.locked > suppressions.locked THEN excluded.source
                  ELSE suppressions.source END,
    reason = CASE WHEN excluded.locked > suppressions.locked THEN excluded.reason
                  ELSE suppressions.reason END,
    locked = max(suppressions.locked, excluded.locked),
    created_at = min(suppressions.created_at, excluded.created_at);
DELETE FROM suppressions WHERE relance_identity_value(kind, value) != value;
UPDATE meta SET value = value + 1 WHERE key = 'suppression_generation';
INSERT OR IGNORE INTO run_contacts (contact_key, run_row)
  SELECT relance_identity_key(contact_key), run_row FROM run_contacts
  WHERE relance_identity_key(contact_key) != contact_key;
DELETE FROM run_contacts WHERE relance_identity_key(contact_key) != contact_key;
UPDATE runs SET contact_key = relance_identity_key(contact_key)
  WHERE contact_key != '' AND relance_identity_key(contact_key) != contact_key;
UPDATE events SET contact_key = relance_identity_key(contact_key)
  WHERE relance_identity_key(contact_key) != contact_key;
UPDATE sends SET contact_key = relance_identity_key(contact_key),
                 recipient_domain = relance_identity_value('domain', recipient_domain)
  WHERE relance_identity_key(contact_key) != contact_key;
)SQL"},
    // 5 -> 6: steps and run_contacts are keyed by their run's row (runs.row, a new INTEGER
    // PRIMARY KEY in creation order) instead of its id, an action's first message id is not
    // stored twice, runs_contact is gone (run_contacts answers), and so is the unique index over
    // the workflow and idempotency key (the id is derived from both). The tables are rebuilt, as
    // SQLite's ALTER TABLE cannot change
    // a primary key: new tables under other names, the rows copied (runs in their old rowid
    // order, so `row` keeps the creation order), the old tables and their indexes dropped, the
    // new ones renamed; the schema then makes the indexes. This definition is version 6's
    // own, kept as it was when later versions change the tables.
    {R"SQL(
CREATE TABLE runs_v6 (
  row                 INTEGER PRIMARY KEY,
  id                  TEXT NOT NULL UNIQUE,
  workflow_version_id INTEGER NOT NULL REFERENCES workflow_versions(id),
  workflow_name       TEXT NOT NULL,
  idempotency_key     TEXT NOT NULL,
  status              TEXT NOT NULL,
  node                INTEGER NOT NULL,
  attempt             INTEGER NOT NULL,
  context             TEXT NOT NULL,
  due_at              INTEGER,
  reason              TEXT NOT NULL DEFAULT '',
  next_seq            INTEGER NOT NULL DEFAULT 1,
  message_id          TEXT NOT NULL DEFAULT '',
  contact_key         TEXT NOT NULL DEFAULT '',
  lease_owner         TEXT,
  lease_until         INTEGER,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
);
INSERT INTO runs_v6 (row, id, workflow_version_id, workflow_name, idempotency_key, status, node,
                     attempt, context, due_at, reason, next_seq, message_id, contact_key,
                     lease_owner, lease_until, created_at, updated_at)
  SELECT rowid, id, workflow_version_id, workflow_name, idempotency_key, status, node, attempt,
         context, due_at, reason, next_seq, message_id, contact_key, lease_owner, lease_until,
         created_at, updated_at
  FROM runs ORDER BY rowid;
CREATE TABLE steps_v6 (
  run_row     INTEGER NOT NULL REFERENCES runs_v6(row),
  seq         INTEGER NOT NULL,
  step_id     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  status      TEXT NOT NULL,
  attempt     INTEGER NOT NULL,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  -- NULL: the run's id, the step id and the seq, joined by dots (what the engine gives an
  -- action's first attempt): not stored twice.
  message_id  TEXT,
  detail      TEXT NOT NULL DEFAULT '',
  output      TEXT,
  PRIMARY KEY (run_row, seq)
) WITHOUT ROWID;
INSERT INTO steps_v6 (run_row, seq, step_id, kind, status, attempt, started_at, finished_at,
                      message_id, detail, output)
  SELECT r.row, s.seq, s.step_id, s.kind, s.status, s.attempt, s.started_at, s.finished_at,
         s.message_id, s.detail, s.output
  FROM runs_v6 r CROSS JOIN steps s ON s.run_id = r.id ORDER BY r.row, s.seq;
-- Runs know their contact's identities by row too (a database before version 4 has no such
-- table yet: made empty first, the 3 -> 4 fill fills it).
CREATE TABLE IF NOT EXISTS run_contacts (
  contact_key TEXT NOT NULL,
  run_id      TEXT NOT NULL,
  PRIMARY KEY (contact_key, run_id)
) WITHOUT ROWID;
CREATE TABLE run_contacts_v6 (
  contact_key TEXT NOT NULL,
  run_row     INTEGER NOT NULL,
  PRIMARY KEY (contact_key, run_row)
) WITHOUT ROWID;
INSERT INTO run_contacts_v6 (contact_key, run_row)
  SELECT c.contact_key, r.row FROM run_contacts c CROSS JOIN runs_v6 r ON r.id = c.run_id;
DROP TABLE run_contacts;
DROP TABLE steps;
DROP TABLE runs;
ALTER TABLE runs_v6 RENAME TO runs;
ALTER TABLE steps_v6 RENAME TO steps;
ALTER TABLE run_contacts_v6 RENAME TO run_contacts;
)SQL",
     "SELECT 1"},
    // 6 -> 7: a step's status is stored as its code, not its name (step_status_codes.hpp): the
    // steps table is rebuilt (a column's type cannot be changed in place, and a TEXT column
    // would store the codes as text), and its partial index made again by the schema. A name
    // this relance does not know becomes in_doubt (10), as reading it did before.
    {R"SQL(
CREATE TABLE steps_v7 (
  run_row     INTEGER NOT NULL REFERENCES runs(row),
  seq         INTEGER NOT NULL,
  step_id     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  status      INTEGER NOT NULL,
  attempt     INTEGER NOT NULL,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  message_id  TEXT,
  detail      TEXT NOT NULL DEFAULT '',
  output      TEXT,
  PRIMARY KEY (run_row, seq)
) WITHOUT ROWID;
INSERT INTO steps_v7 (run_row, seq, step_id, kind, status, attempt, started_at, finished_at,
                      message_id, detail, output)
  SELECT run_row, seq, step_id, kind,
         CASE status WHEN 'started' THEN 0 WHEN 'succeeded' THEN 1 WHEN 'failed' THEN 2
                     WHEN 'retry' THEN 3 WHEN 'rate_limited' THEN 4 WHEN 'skipped' THEN 5
                     WHEN 'done' THEN 6 WHEN 'waiting' THEN 7 WHEN 'deferred' THEN 8
                     WHEN 'cancelled' THEN 9 WHEN 'in_doubt' THEN 10 WHEN 'reconciling' THEN 11
                     WHEN 'reconciled' THEN 12 WHEN 'resolved' THEN 13 WHEN 'abandoned' THEN 14
                     WHEN 'stopped' THEN 15 ELSE 10 END,
         attempt, started_at, finished_at, message_id, detail, output
  FROM steps ORDER BY run_row, seq;
DROP TABLE steps;
ALTER TABLE steps_v7 RENAME TO steps;
)SQL",
     "SELECT 1"},
    // 7 -> 8: API keys (a new table: nothing to alter or fill).
    {"SELECT 1", "SELECT 1"},
    // 8 -> 9: deployments (a new table).
    {"SELECT 1", "SELECT 1"},
    // 9 -> 10: cron slots (a new table).
    {"SELECT 1", "SELECT 1"},
    // 10 -> 11: outbound webhooks (subscriptions, outbox, the events feed: new tables).
    {"SELECT 1", "SELECT 1"},
    // 11 -> 12: secrets sealed at rest (a new table).
    {"SELECT 1", "SELECT 1"},
    // 12 -> 13: tracking and one-click unsubscribe (new tables).
    {"SELECT 1", "SELECT 1"},
    // 13 -> 14: the feed holds the key of the row each event is about, its JSON built when
    // read (feed_view), instead of a copy of that JSON. The triggers go (the schema makes the
    // new ones) and the table is rebuilt with the new columns (SQLite's ALTER TABLE cannot drop
    // NOT NULL from `data`); the rows written so far keep their JSON in `data`. A database older
    // than 11 has no feed yet: version 11's table is made first, empty. This definition is
    // version 14's own, kept as it is when later versions change the table.
    {R"SQL(
DROP TRIGGER IF EXISTS feed_run_started;
DROP TRIGGER IF EXISTS feed_run_ended;
DROP TRIGGER IF EXISTS feed_step_sent;
DROP TRIGGER IF EXISTS feed_step_sent_later;
DROP TRIGGER IF EXISTS feed_contact_event;
CREATE TABLE IF NOT EXISTS feed_events (
  seq         INTEGER PRIMARY KEY,
  type        TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  data        TEXT NOT NULL
);
CREATE TABLE feed_events_v14 (
  seq         INTEGER PRIMARY KEY,
  type        TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  run_row     INTEGER,
  step_seq    INTEGER,
  event_seq   INTEGER,
  reason      TEXT,
  data        TEXT
);
INSERT INTO feed_events_v14 (seq, type, occurred_at, data)
  SELECT seq, type, occurred_at, data FROM feed_events ORDER BY seq;
DROP TABLE feed_events;
ALTER TABLE feed_events_v14 RENAME TO feed_events;
)SQL",
     "SELECT 1"},
};

}  // namespace relance::store
