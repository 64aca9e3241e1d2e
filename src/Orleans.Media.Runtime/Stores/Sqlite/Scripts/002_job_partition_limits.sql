-- v2: per-partition caps on running jobs (e.g. a project's engine concurrency), set by grains inside turns.
-- A partition without a row uses the silo's MaxConcurrentPerPartition. updated_at: Unix milliseconds.
CREATE TABLE job_partition_limits (
    partition_key TEXT    PRIMARY KEY,
    max_running   INTEGER NOT NULL CHECK (max_running >= 1),
    updated_at    INTEGER NOT NULL
);
