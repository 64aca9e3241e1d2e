-- v4: per-partition caps on running jobs (e.g. a project's engine concurrency), set by grains inside turns.
-- A partition without a row uses the silo's MaxConcurrentPerPartition.
CREATE TABLE job_partition_limits (
    partition_key text        PRIMARY KEY,
    max_running   integer     NOT NULL CHECK (max_running >= 1),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
