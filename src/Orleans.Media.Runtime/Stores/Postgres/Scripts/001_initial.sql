-- Grain runtime schema v1 (PostgreSQL). Applied once, under an advisory lock, recorded in schema_version.
CREATE TABLE grains (
    grain_type    text        NOT NULL,
    grain_key     text        NOT NULL,
    version       bigint      NOT NULL,
    partition_key text        NULL,
    state         jsonb       NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (grain_type, grain_key)
);
CREATE INDEX grains_partition ON grains (grain_type, partition_key, grain_key);

-- Raises the stale-write refusal inside the commit batch, so the batch can end with COMMIT in one round trip.
CREATE FUNCTION om_require_one(n bigint) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    IF n <> 1 THEN
        RAISE EXCEPTION 'stale grain write refused' USING ERRCODE = 'OM409';
    END IF;
    RETURN 1;
END $$;

CREATE TABLE jobs (
    id               uuid        PRIMARY KEY,
    grain_type       text        NOT NULL,
    grain_key        text        NOT NULL,
    kind             text        NOT NULL,
    partition_key    text        NOT NULL,
    payload          jsonb       NULL,
    status           text        NOT NULL,
    attempt          integer     NOT NULL DEFAULT 0,
    max_attempts     integer     NOT NULL,
    due_at           timestamptz NOT NULL,
    lease_owner      text        NULL,
    lease_until      timestamptz NULL,
    checkpoint       text        NULL,
    outcome          text        NULL,
    result           jsonb       NULL,
    error            text        NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_queued ON jobs (due_at) WHERE status = 'queued';
CREATE INDEX jobs_running ON jobs (lease_until) WHERE status = 'running';
CREATE INDEX jobs_owner ON jobs (lease_owner) WHERE status = 'running';
CREATE INDEX jobs_grain ON jobs (grain_type, grain_key);
CREATE INDEX jobs_finished ON jobs (updated_at) WHERE status IN ('done', 'dead', 'cancelled');

CREATE TABLE reminders (
    grain_type   text        NOT NULL,
    grain_key    text        NOT NULL,
    name         text        NOT NULL,
    period_ms    bigint      NOT NULL,
    first_due_at timestamptz NOT NULL,
    due_at       timestamptz NOT NULL,
    lease_owner  text        NULL,
    lease_until  timestamptz NULL,
    failures     integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (grain_type, grain_key, name)
);
CREATE INDEX reminders_due ON reminders (due_at);

CREATE TABLE events (
    position    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_ns   text        NOT NULL,
    stream_key  text        NOT NULL,
    type        text        NOT NULL,
    payload     jsonb       NOT NULL,
    source_type text        NULL,
    source_key  text        NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_stream ON events (stream_ns, stream_key, position);

CREATE TABLE stream_cursors (
    consumer   text        PRIMARY KEY,
    position   bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE silos (
    id           text        PRIMARY KEY,
    name         text        NOT NULL,
    endpoint     text        NULL,
    roles        text        NOT NULL,
    started_at   timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    status       text        NOT NULL
);

CREATE TABLE nonces (
    scope      text        NOT NULL,
    nonce      text        NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (scope, nonce)
);
CREATE INDEX nonces_expiry ON nonces (expires_at);
