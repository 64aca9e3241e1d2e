-- The project's own tables: the listing index the grains keep, and replay-protection nonces.

-- state is JSON text (MediaJson) read with the json functions; version the grain's state version.
CREATE TABLE grain_index (
    grain_type    TEXT    NOT NULL,
    grain_key     TEXT    NOT NULL,
    partition_key TEXT,
    version       INTEGER NOT NULL,
    state         TEXT    NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (grain_type, grain_key)
) WITHOUT ROWID;

-- As on PostgreSQL: by key, status, start/end time, the waiting queue, expiry. The expressions are those
-- SqliteIndexStore writes, so the planner matches them.
CREATE INDEX grain_index_partition ON grain_index (grain_type, partition_key, grain_key);
CREATE INDEX grain_index_status ON grain_index (grain_type, partition_key, json_extract(state, '$.Status'), grain_key);
CREATE INDEX grain_index_start ON grain_index
    (grain_type, partition_key, coalesce(CAST(json_extract(state, '$.StartTimeMs') AS REAL), 0.0), grain_key);
CREATE INDEX grain_index_end ON grain_index
    (grain_type, partition_key, coalesce(CAST(json_extract(state, '$.EndTimeMs') AS REAL), 0.0), grain_key);
CREATE INDEX grain_index_phase_start ON grain_index
    (grain_type, partition_key, json_extract(state, '$.Phase'), coalesce(CAST(json_extract(state, '$.StartTimeMs') AS REAL), 0.0), grain_key);
CREATE INDEX grain_index_expiry ON grain_index (grain_type, partition_key, CAST(json_extract(state, '$.ExpiresAtMs') AS REAL));

-- expires_at in Unix milliseconds.
CREATE TABLE nonces (
    scope      TEXT    NOT NULL,
    nonce      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (scope, nonce)
) WITHOUT ROWID;
CREATE INDEX nonces_expiry ON nonces (expires_at);
