-- The project's own tables: the listing index the grains keep, and replay-protection nonces.

-- One row per listed grain: its state as JSON (MediaJson), written after each state write. version is the
-- grain's state version; an older write never replaces a newer one.
CREATE TABLE grain_index (
    grain_type    text        NOT NULL,
    grain_key     text        NOT NULL,
    partition_key text,
    version       bigint      NOT NULL,
    state         jsonb       NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (grain_type, grain_key)
);

-- Listings of one partition (a project's tasks): by key, by status, by start/end time; the queue of waiting
-- tasks (Phase, oldest first); retention (expiry). The expressions are those the query builder writes
-- (PostgresIndexStore), so the planner matches them; a partition of 80,000 rows is then read a page at a time.
CREATE INDEX grain_index_partition ON grain_index (grain_type, partition_key, grain_key);
CREATE INDEX grain_index_status ON grain_index (grain_type, partition_key, (state #>> '{Status}'), grain_key);
CREATE INDEX grain_index_start ON grain_index
    (grain_type, partition_key, (coalesce((state #>> '{StartTimeMs}')::numeric, 0)), grain_key);
CREATE INDEX grain_index_end ON grain_index
    (grain_type, partition_key, (coalesce((state #>> '{EndTimeMs}')::numeric, 0)), grain_key);
CREATE INDEX grain_index_phase_start ON grain_index
    (grain_type, partition_key, (state #>> '{Phase}'), (coalesce((state #>> '{StartTimeMs}')::numeric, 0)), grain_key);
CREATE INDEX grain_index_expiry ON grain_index (grain_type, partition_key, ((state #>> '{ExpiresAtMs}')::numeric));

CREATE TABLE nonces (
    scope      text        NOT NULL,
    nonce      text        NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (scope, nonce)
);
CREATE INDEX nonces_expiry ON nonces (expires_at);
