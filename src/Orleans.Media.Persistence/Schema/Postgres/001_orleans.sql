-- Orleans' ADO.NET providers (clustering, grain storage, reminders) on PostgreSQL, invariant "Npgsql".
-- Written from the providers' contract: they read their SQL from OrleansQuery by key, bind parameters by name
-- (@DeploymentId, @GrainStateVersion, ...) and read result columns by name ("Version", "PayloadBinary", ...),
-- hence the quoted aliases. Queries that answer a boolean return one row with a count (0 = false).

-- Orleans selects "QueryKey, QueryText FROM OrleansQuery" unquoted: PostgreSQL folds all three to lower case.
CREATE TABLE OrleansQuery (
    QueryKey  text PRIMARY KEY,
    QueryText text NOT NULL
);

-- Membership: one version row per cluster (the table's ETag) and one row per silo incarnation.
CREATE TABLE orleans_membership_version (
    deployment_id text PRIMARY KEY,
    version       integer     NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orleans_membership (
    deployment_id   text        NOT NULL REFERENCES orleans_membership_version (deployment_id),
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer,
    suspect_times   text,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

-- Grain state. grain_type is the state name Orleans passes (GrainTypeString); grain_key the string key
-- (GrainIdExtensionString, '' for integer/Guid keys without extension). The hashes Orleans sends are not
-- needed: the primary key finds the row.
CREATE TABLE orleans_storage (
    service_id  text        NOT NULL,
    grain_type  text        NOT NULL,
    grain_key   text        NOT NULL,
    grain_id_n0 bigint      NOT NULL,
    grain_id_n1 bigint      NOT NULL,
    payload     bytea,
    version     integer     NOT NULL,
    modified_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, grain_type, grain_key, grain_id_n0, grain_id_n1)
);

-- Reminders: grain_hash is the grain's uniform hash as a signed int (Orleans casts it), read by ring range.
CREATE TABLE orleans_reminders (
    service_id    text        NOT NULL,
    grain_id      text        NOT NULL,
    reminder_name text        NOT NULL,
    start_time    timestamptz NOT NULL,
    period        bigint      NOT NULL,
    grain_hash    integer     NOT NULL,
    version       integer     NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);
CREATE INDEX orleans_reminders_range ON orleans_reminders (service_id, grain_hash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- ---- clustering -------------------------------------------------------------------------------------------
('InsertMembershipVersionKey', $q$
WITH inserted AS (
    INSERT INTO orleans_membership_version (deployment_id) VALUES (@DeploymentId)
    ON CONFLICT DO NOTHING
    RETURNING 1)
SELECT count(*) FROM inserted
$q$),

-- The version row is locked first (FOR UPDATE re-checks the version after waiting), so a silo row changes only
-- together with the version it was based on: two silos writing at the same version cannot both succeed.
('InsertMembershipKey', $q$
WITH current_version AS (
    SELECT deployment_id FROM orleans_membership_version
    WHERE deployment_id = @DeploymentId AND version = @Version
    FOR UPDATE),
inserted AS (
    INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name, status,
                                    proxy_port, start_time, i_am_alive_time)
    SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime,
           @IAmAliveTime
    FROM current_version
    ON CONFLICT DO NOTHING
    RETURNING deployment_id),
bumped AS (
    UPDATE orleans_membership_version SET version = version + 1, updated_at = now()
    WHERE deployment_id IN (SELECT deployment_id FROM inserted)
    RETURNING 1)
SELECT count(*) FROM bumped
$q$),

('UpdateMembershipKey', $q$
WITH current_version AS (
    SELECT deployment_id FROM orleans_membership_version
    WHERE deployment_id = @DeploymentId AND version = @Version
    FOR UPDATE),
updated AS (
    UPDATE orleans_membership m
    SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
    FROM current_version v
    WHERE m.deployment_id = v.deployment_id AND m.address = @Address AND m.port = @Port
      AND m.generation = @Generation
    RETURNING m.deployment_id),
bumped AS (
    UPDATE orleans_membership_version SET version = version + 1, updated_at = now()
    WHERE deployment_id IN (SELECT deployment_id FROM updated)
    RETURNING 1)
SELECT count(*) FROM bumped
$q$),

-- IAmAlive does not change the table version (Orleans' protocol: it is a heartbeat, not a membership change).
('UpdateIAmAlivetimeKey', $q$
UPDATE orleans_membership SET i_am_alive_time = @IAmAliveTime
WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$q$),

-- The version row is always returned (outer join): Orleans reads the table ETag from it even with no silo row.
('MembershipReadRowKey', $q$
SELECT v.deployment_id AS "DeploymentId", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime",
       v.version AS "Version"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m
       ON m.deployment_id = v.deployment_id AND m.address = @Address AND m.port = @Port
      AND m.generation = @Generation
WHERE v.deployment_id = @DeploymentId
$q$),

('MembershipReadAllKey', $q$
SELECT v.deployment_id AS "DeploymentId", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime",
       v.version AS "Version"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId
$q$),

('GatewaysQueryKey', $q$
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
FROM orleans_membership
WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
$q$),

('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans_membership WHERE deployment_id = @DeploymentId;
DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId
$q$),

-- Orleans 10 prefers the per-silo query below when it exists: it reads the table, picks the Dead (6) silos whose
-- start, last heartbeat and every suspicion vote are older than the cut-off, and deletes each row only if it is still
-- as read. This bulk form is the fallback contract; it too removes Dead rows only.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans_membership
WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status = 6
$q$),

('CleanupDefunctSiloEntryKey', $q$
DELETE FROM orleans_membership
WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
  AND status = 6 AND start_time = @StartTime AND i_am_alive_time = @IAmAliveTime
  AND suspect_times IS NOT DISTINCT FROM @SuspectTimes
$q$),

-- ---- grain storage ----------------------------------------------------------------------------------------
-- A write with an ETag updates only that version; a write without one inserts only a new row. Nothing
-- returned (or a conflict on insert) is Orleans' InconsistentStateException.
('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE orleans_storage
    SET payload = @PayloadBinary, version = version + 1, modified_at = now()
    WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
      AND grain_key = coalesce(@GrainIdExtensionString, '') AND grain_id_n0 = @GrainIdN0
      AND grain_id_n1 = @GrainIdN1 AND version = @GrainStateVersion
    RETURNING version),
inserted AS (
    INSERT INTO orleans_storage (service_id, grain_type, grain_key, grain_id_n0, grain_id_n1, payload, version)
    SELECT @ServiceId, @GrainTypeString, coalesce(@GrainIdExtensionString, ''), @GrainIdN0, @GrainIdN1,
           @PayloadBinary, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version)
SELECT version AS "NewGrainStateVersion" FROM updated
UNION ALL
SELECT version FROM inserted
$q$),

('ReadFromStorageKey', $q$
SELECT payload AS "PayloadBinary", version AS "Version"
FROM orleans_storage
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
  AND grain_key = coalesce(@GrainIdExtensionString, '') AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
$q$),

-- Clearing keeps the row with the next version: a stale activation still holding the old ETag stays fenced.
('ClearStorageKey', $q$
UPDATE orleans_storage
SET payload = NULL, version = version + 1, modified_at = now()
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
  AND grain_key = coalesce(@GrainIdExtensionString, '') AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND version = @GrainStateVersion
RETURNING version AS "NewGrainStateVersion"
$q$),

-- Used only with DeleteStateOnClear = true; Orleans expects the deleted version + 1 back.
('DeleteStorageKey', $q$
DELETE FROM orleans_storage
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
  AND grain_key = coalesce(@GrainIdExtensionString, '') AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND version = @GrainStateVersion
RETURNING version + 1 AS "NewGrainStateVersion"
$q$),

-- ---- reminders --------------------------------------------------------------------------------------------
('ReadReminderRowsKey', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period AS "Period",
       version AS "Version"
FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_id = @GrainId
$q$),

('ReadReminderRowKey', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period AS "Period",
       version AS "Version"
FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
$q$),

-- The ring range (BeginHash, EndHash]; Orleans picks this query when BeginHash < EndHash as signed ints...
('ReadRangeRows1Key', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period AS "Period",
       version AS "Version"
FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
$q$),

-- ... and this one when the range wraps around.
('ReadRangeRows2Key', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period AS "Period",
       version AS "Version"
FROM orleans_reminders
WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
$q$),

('UpsertReminderRowKey', $q$
INSERT INTO orleans_reminders AS r (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
SET start_time = excluded.start_time, period = excluded.period, grain_hash = excluded.grain_hash,
    version = r.version + 1
RETURNING version AS "Version"
$q$),

('DeleteReminderRowKey', $q$
WITH deleted AS (
    DELETE FROM orleans_reminders
    WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
      AND version = @Version
    RETURNING 1)
SELECT count(*) FROM deleted
$q$),

('DeleteReminderRowsKey', $q$
DELETE FROM orleans_reminders WHERE service_id = @ServiceId
$q$);
