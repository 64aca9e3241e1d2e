-- Grain runtime schema v1 (SQLite). Times are Unix milliseconds (UTC).
CREATE TABLE grains (
    grain_type    TEXT    NOT NULL,
    grain_key     TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    partition_key TEXT    NULL,
    state         TEXT    NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (grain_type, grain_key)
) WITHOUT ROWID;
CREATE INDEX grains_partition ON grains (grain_type, partition_key, grain_key);

CREATE TABLE jobs (
    id            TEXT    PRIMARY KEY,
    grain_type    TEXT    NOT NULL,
    grain_key     TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    partition_key TEXT    NOT NULL,
    payload       TEXT    NULL,
    status        TEXT    NOT NULL,
    attempt       INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    lease_owner   TEXT    NULL,
    lease_until   INTEGER NULL,
    checkpoint    TEXT    NULL,
    outcome       TEXT    NULL,
    result        TEXT    NULL,
    error         TEXT    NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX jobs_queued ON jobs (due_at) WHERE status = 'queued';
CREATE INDEX jobs_running ON jobs (lease_until) WHERE status = 'running';
CREATE INDEX jobs_grain ON jobs (grain_type, grain_key);
CREATE INDEX jobs_finished ON jobs (updated_at) WHERE status IN ('done', 'dead', 'cancelled');

CREATE TABLE reminders (
    grain_type   TEXT    NOT NULL,
    grain_key    TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    period_ms    INTEGER NOT NULL,
    first_due_at INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    lease_owner  TEXT    NULL,
    lease_until  INTEGER NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (grain_type, grain_key, name)
) WITHOUT ROWID;
CREATE INDEX reminders_due ON reminders (due_at);

CREATE TABLE events (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_ns   TEXT    NOT NULL,
    stream_key  TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    source_type TEXT    NULL,
    source_key  TEXT    NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX events_stream ON events (stream_ns, stream_key, position);

CREATE TABLE stream_cursors (
    consumer   TEXT    PRIMARY KEY,
    position   INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE silos (
    id           TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    endpoint     TEXT    NULL,
    roles        TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    status       TEXT    NOT NULL
);

CREATE TABLE nonces (
    scope      TEXT    NOT NULL,
    nonce      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (scope, nonce)
) WITHOUT ROWID;
CREATE INDEX nonces_expiry ON nonces (expires_at);
