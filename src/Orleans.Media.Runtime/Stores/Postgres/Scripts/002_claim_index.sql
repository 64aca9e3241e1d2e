-- v2: claims walk the partitions of queued jobs with a loose index scan instead of ranking every queued job.
CREATE INDEX jobs_queued_partition ON jobs (partition_key, due_at, id) WHERE status = 'queued';
-- Lease hand-back finds a silo's running jobs through jobs_running; one index less to maintain per job update.
DROP INDEX jobs_owner;
