-- Orleans' ADO.NET grain storage and reminders on SQLite (invariant "System.Data.SQLite", which Orleans maps to
-- Microsoft.Data.Sqlite). Orleans ships no SQLite reminder queries: these are the project's own, from the
-- providers' contract (query keys, parameter names, result column names). No clustering: the embedded silo uses
-- localhost clustering. Query texts are SQL string literals here: a quote inside one is written twice.

CREATE TABLE OrleansQuery (
    QueryKey  TEXT PRIMARY KEY,
    QueryText TEXT NOT NULL
);

-- grain_type is the state name Orleans passes; grain_key the string key ('' for integer/Guid keys).
CREATE TABLE orleans_storage (
    service_id  TEXT    NOT NULL,
    grain_type  TEXT    NOT NULL,
    grain_key   TEXT    NOT NULL,
    grain_id_n0 INTEGER NOT NULL,
    grain_id_n1 INTEGER NOT NULL,
    payload     BLOB,
    version     INTEGER NOT NULL,
    modified_at TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (service_id, grain_type, grain_key, grain_id_n0, grain_id_n1)
) WITHOUT ROWID;

-- start_time as Microsoft.Data.Sqlite writes a DateTime (text); grain_hash the signed uniform hash.
CREATE TABLE orleans_reminders (
    service_id    TEXT    NOT NULL,
    grain_id      TEXT    NOT NULL,
    reminder_name TEXT    NOT NULL,
    start_time    TEXT    NOT NULL,
    period        INTEGER NOT NULL,
    grain_hash    INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
) WITHOUT ROWID;
CREATE INDEX orleans_reminders_range ON orleans_reminders (service_id, grain_hash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- One statement (SQLite has no data-modifying CTEs): with an ETag, the row is proposed only if it exists and the
-- upsert's update applies only at that version; without one, only a new row is inserted (a conflict updates
-- nothing). Nothing returned is Orleans' InconsistentStateException.
('WriteToStorageKey', '
INSERT INTO orleans_storage (service_id, grain_type, grain_key, grain_id_n0, grain_id_n1, payload, version)
SELECT @ServiceId, @GrainTypeString, coalesce(@GrainIdExtensionString, ''''), @GrainIdN0, @GrainIdN1,
       @PayloadBinary, 1
WHERE @GrainStateVersion IS NULL OR EXISTS (
    SELECT 1 FROM orleans_storage
    WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
      AND grain_key = coalesce(@GrainIdExtensionString, '''') AND grain_id_n0 = @GrainIdN0
      AND grain_id_n1 = @GrainIdN1)
ON CONFLICT (service_id, grain_type, grain_key, grain_id_n0, grain_id_n1) DO UPDATE
SET payload = excluded.payload, version = orleans_storage.version + 1, modified_at = CURRENT_TIMESTAMP
WHERE orleans_storage.version = @GrainStateVersion
RETURNING version AS NewGrainStateVersion
'),

('ReadFromStorageKey', '
SELECT payload AS PayloadBinary, version AS Version
FROM orleans_storage
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
  AND grain_key = coalesce(@GrainIdExtensionString, '''') AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
'),

('ClearStorageKey', '
UPDATE orleans_storage
SET payload = NULL, version = version + 1, modified_at = CURRENT_TIMESTAMP
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
  AND grain_key = coalesce(@GrainIdExtensionString, '''') AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND version = @GrainStateVersion
RETURNING version AS NewGrainStateVersion
'),

('DeleteStorageKey', '
DELETE FROM orleans_storage
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
  AND grain_key = coalesce(@GrainIdExtensionString, '''') AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND version = @GrainStateVersion
RETURNING version + 1 AS NewGrainStateVersion
'),

('ReadReminderRowsKey', '
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period,
       version AS Version
FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_id = @GrainId
'),

('ReadReminderRowKey', '
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period,
       version AS Version
FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
'),

('ReadRangeRows1Key', '
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period,
       version AS Version
FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
'),

('ReadRangeRows2Key', '
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period,
       version AS Version
FROM orleans_reminders
WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
'),

('UpsertReminderRowKey', '
INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
SET start_time = excluded.start_time, period = excluded.period, grain_hash = excluded.grain_hash,
    version = orleans_reminders.version + 1
RETURNING version AS Version
'),

-- The DELETE returns no columns, so the reader moves on to the count.
('DeleteReminderRowKey', '
DELETE FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName AND version = @Version;
SELECT changes();
'),

('DeleteReminderRowsKey', '
DELETE FROM orleans_reminders WHERE service_id = @ServiceId
');
