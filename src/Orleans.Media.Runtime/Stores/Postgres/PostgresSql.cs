namespace Orleans.Media.Runtime.Stores.Postgres;

/// <summary>The PostgreSQL statements of the runtime (positional parameters: no SQL rewriting by Npgsql).</summary>
internal static class PostgresSql
{
    /// <summary>Advisory lock keys (bigint form). Event publishers hold it shared until commit; readers take it
    /// exclusively for an instant, so a reader never sees a later position before an earlier one commits.</summary>
    public const long EventsLockKey = 0x4F4D_0001;

    /// <summary>Serializes job claims cluster-wide so per-partition limits are exact.</summary>
    public const long ClaimLockKey = 0x4F4D_0002;

    /// <summary>Serializes schema migration of silos starting together.</summary>
    public const long MigrationLockKey = 0x4F4D_0003;

    public const string LockGrain =
        "SELECT version, partition_key, CASE WHEN version = $3 THEN NULL ELSE state::text END FROM grains WHERE grain_type = $1 AND grain_key = $2 FOR UPDATE";

    /// <summary>Rows of several grains: v.i is the 1-based position in the request; missing rows are simply absent.
    /// State text is left out where the stored version equals the caller's ($3).</summary>
    public const string ReadGrains =
        "SELECT v.i, g.version, g.partition_key, CASE WHEN g.version = v.cv THEN NULL ELSE g.state::text END " +
        "FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS v(t, k, cv, i) " +
        "JOIN grains g ON g.grain_type = v.t AND g.grain_key = v.k";

    /// <summary><see cref="ReadGrains"/> locking the rows in (type, key) order: the lock node sits above the sort, so
    /// rows are locked in that order.</summary>
    public const string LockGrains = ReadGrains + " ORDER BY g.grain_type, g.grain_key FOR UPDATE OF g";

    /// <summary>A <see cref="GrainRecord"/> from (version, partition, state text) columns starting at <paramref name="first"/>.</summary>
    public static GrainRecord ReadRecord(Npgsql.NpgsqlDataReader reader, int first) =>
        new(reader.GetInt64(first), reader.IsDBNull(first + 1) ? null : reader.GetString(first + 1), reader.IsDBNull(first + 2) ? null : reader.GetString(first + 2));

    public const string ReadGrain =
        "SELECT version, partition_key, CASE WHEN version = $3 THEN NULL ELSE state::text END FROM grains WHERE grain_type = $1 AND grain_key = $2";

    public const string InsertGrain =
        "INSERT INTO grains (grain_type, grain_key, version, partition_key, state) VALUES ($1, $2, 1, $3, $4::jsonb)";

    public const string UpdateGrain =
        "WITH u AS (UPDATE grains SET version = version + 1, partition_key = $3, state = $4::jsonb, updated_at = now() " +
        "WHERE grain_type = $1 AND grain_key = $2 AND version = $5 RETURNING 1) SELECT om_require_one(count(*)) FROM u";

    public const string InsertJob =
        "INSERT INTO jobs (id, grain_type, grain_key, kind, partition_key, payload, status, max_attempts, due_at) " +
        "VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'queued', $7, now() + $8)";

    public const string CancelJob =
        "UPDATE jobs SET status = 'cancelled', updated_at = now() WHERE id = $1 AND status IN ('queued', 'running')";

    public const string UpsertReminder =
        "INSERT INTO reminders (grain_type, grain_key, name, period_ms, first_due_at, due_at) VALUES ($1, $2, $3, $4, now() + $5, now() + $5) " +
        "ON CONFLICT (grain_type, grain_key, name) DO UPDATE SET period_ms = excluded.period_ms, first_due_at = excluded.first_due_at, " +
        "due_at = excluded.due_at, lease_owner = NULL, lease_until = NULL, failures = 0";

    public const string DeleteReminder = "DELETE FROM reminders WHERE grain_type = $1 AND grain_key = $2 AND name = $3";

    public const string InsertEvent =
        "INSERT INTO events (stream_ns, stream_key, type, payload, source_type, source_key) VALUES ($1, $2, $3, $4::jsonb, $5, $6)";

    public const string UpsertPartitionLimit =
        "INSERT INTO job_partition_limits (partition_key, max_running) VALUES ($1, $2) " +
        "ON CONFLICT (partition_key) DO UPDATE SET max_running = excluded.max_running, updated_at = now()";

    public const string DeletePartitionLimit = "DELETE FROM job_partition_limits WHERE partition_key = $1";

    /// <summary>Job rows are locked in id order first (as <see cref="RenewJobs"/> does): an outcome turn over many jobs
    /// and a lease renewal over the same running jobs never deadlock (a deadlock would stall both for deadlock_timeout).</summary>
    public const string CompleteJobsGuard =
        "WITH locked AS MATERIALIZED (SELECT id FROM jobs WHERE id = ANY($1) ORDER BY id FOR UPDATE) " +
        "UPDATE jobs j SET status = v.status, outcome = v.outcome, result = v.result::jsonb, error = v.error, lease_owner = NULL, lease_until = NULL, " +
        "updated_at = now() FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS v(id, status, outcome, result, error) " +
        "JOIN locked l ON l.id = v.id WHERE j.id = v.id AND j.lease_owner = $6 AND j.status = 'running' RETURNING j.id";

    public const string AdvanceReminderGuard =
        "UPDATE reminders SET due_at = now() + period_ms * interval '1 millisecond', lease_owner = NULL, lease_until = NULL, failures = 0 " +
        "WHERE grain_type = $1 AND grain_key = $2 AND name = $3 AND lease_owner = $4 RETURNING 1";

    /// <summary>
    /// Fair claim: walk the partitions that have queued jobs (loose index scan), take each one's earliest due jobs,
    /// rank them within their partition, add the partition's running count, and take the lowest ranks first, never
    /// above the partition's cap (so no partition needs more than that many candidates). The cap is the
    /// partition's row in job_partition_limits, else the silo default ($3). Jobs whose lease expired (a dead
    /// silo's) come first, as rank 0.
    /// </summary>
    public const string ClaimJobs = """
        WITH RECURSIVE parts AS (
            (SELECT partition_key FROM jobs WHERE status = 'queued' ORDER BY partition_key LIMIT 1)
            UNION ALL
            SELECT (SELECT j.partition_key FROM jobs j WHERE j.status = 'queued' AND j.partition_key > p.partition_key
                    ORDER BY j.partition_key LIMIT 1)
            FROM parts p WHERE p.partition_key IS NOT NULL),
        running AS (
            SELECT partition_key, count(*) AS n FROM jobs WHERE status = 'running' AND lease_until > now() GROUP BY partition_key),
        capped AS (
            SELECT p.partition_key, coalesce(l.max_running, $3) AS cap
            FROM parts p LEFT JOIN job_partition_limits l ON l.partition_key = p.partition_key
            WHERE p.partition_key IS NOT NULL),
        candidates AS (
            SELECT c.id, c.due_at, p.partition_key, row_number() OVER (PARTITION BY p.partition_key ORDER BY c.due_at, c.id) AS rn
            FROM capped p CROSS JOIN LATERAL (
                SELECT id, due_at FROM jobs
                WHERE status = 'queued' AND partition_key = p.partition_key AND due_at <= now()
                ORDER BY due_at, id LIMIT least($2, p.cap)) c
            UNION ALL
            SELECT id, due_at, partition_key, 0 FROM jobs WHERE status = 'running' AND lease_until <= now()),
        picked AS (
            SELECT r.id FROM candidates r LEFT JOIN running ru ON ru.partition_key = r.partition_key
            LEFT JOIN job_partition_limits l ON l.partition_key = r.partition_key
            WHERE r.rn + coalesce(ru.n, 0) <= coalesce(l.max_running, $3)
            ORDER BY r.rn + coalesce(ru.n, 0), r.due_at, r.id
            LIMIT $2)
        UPDATE jobs j SET status = 'running', lease_owner = $1, lease_until = now() + $4,
               attempt = j.attempt + CASE WHEN j.outcome IS NULL THEN 1 ELSE 0 END, updated_at = now()
        WHERE j.id = ANY (ARRAY(SELECT id FROM picked))
          AND ((j.status = 'queued' AND j.due_at <= now()) OR (j.status = 'running' AND j.lease_until <= now()))
        RETURNING j.id, j.grain_type, j.grain_key, j.kind, j.partition_key, j.payload::text, j.attempt, j.max_attempts, j.checkpoint,
                  j.outcome, j.result::text, j.error
        """;

    /// <summary>Locks in id order, like <see cref="CompleteJobsGuard"/>.</summary>
    public const string RenewJobs =
        "WITH locked AS MATERIALIZED (SELECT id FROM jobs WHERE id = ANY($2) AND lease_owner = $1 AND status = 'running' ORDER BY id FOR UPDATE) " +
        "UPDATE jobs j SET lease_until = now() + $3 FROM locked l WHERE j.id = l.id AND j.lease_owner = $1 AND j.status = 'running' RETURNING j.id";

    public const string SaveCheckpoint =
        "UPDATE jobs SET checkpoint = $3, lease_until = now() + $4, updated_at = now() WHERE id = $1 AND lease_owner = $2 AND status = 'running'";

    public const string RequeueJob =
        "UPDATE jobs SET status = 'queued', due_at = now() + $3, lease_owner = NULL, lease_until = NULL, error = coalesce($4, error), " +
        "outcome = coalesce($5, outcome), result = coalesce($6::jsonb, result), attempt = attempt - CASE WHEN $7 THEN 1 ELSE 0 END, updated_at = now() " +
        "WHERE id = $1 AND lease_owner = $2 AND status = 'running'";

    public const string FinishJob =
        "UPDATE jobs SET status = $3, outcome = $4, result = $5::jsonb, error = $6, lease_owner = NULL, lease_until = NULL, updated_at = now() " +
        "WHERE id = $1 AND lease_owner = $2 AND status = 'running'";

    public const string GetJob =
        "SELECT id, grain_type, grain_key, kind, partition_key, status, attempt, max_attempts, lease_owner, checkpoint, result::text, error FROM jobs WHERE id = $1";

    public const string ReleaseJobs =
        "UPDATE jobs SET status = 'queued', due_at = now(), lease_owner = NULL, lease_until = NULL, attempt = greatest(attempt - 1, 0), updated_at = now() " +
        "WHERE lease_owner = $1 AND status = 'running'";

    public const string ReleaseReminders = "UPDATE reminders SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1";

    public const string ClaimReminders = """
        UPDATE reminders r SET lease_owner = $1, lease_until = now() + $3
        FROM (SELECT grain_type, grain_key, name FROM reminders
              WHERE due_at <= now() AND (lease_until IS NULL OR lease_until < now())
              ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED) c
        WHERE r.grain_type = c.grain_type AND r.grain_key = c.grain_key AND r.name = c.name
        RETURNING r.grain_type, r.grain_key, r.name, r.period_ms, r.first_due_at, r.due_at, r.failures
        """;

    public const string ReminderFailed =
        "UPDATE reminders SET due_at = now() + $5, failures = failures + 1, lease_owner = NULL, lease_until = NULL " +
        "WHERE grain_type = $1 AND grain_key = $2 AND name = $3 AND lease_owner = $4";

    public const string LastPosition = "SELECT coalesce(max(position), 0) FROM events";

    public const string GetCursor = "SELECT position FROM stream_cursors WHERE consumer = $1";

    public const string SaveCursor =
        "INSERT INTO stream_cursors (consumer, position) VALUES ($1, $2) ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, updated_at = now()";

    public const string RegisterSilo =
        "INSERT INTO silos (id, name, endpoint, roles, started_at, heartbeat_at, status) VALUES ($1, $2, $3, $4, $5, now(), $6) " +
        "ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), status = excluded.status";

    public const string Heartbeat = "UPDATE silos SET heartbeat_at = now(), status = $2 WHERE id = $1";

    public const string MarkDead =
        "UPDATE silos SET status = 'Dead' WHERE id <> $1 AND status <> 'Dead' AND heartbeat_at < now() - $2";

    public const string ListSilos = "SELECT id, name, endpoint, roles, started_at, heartbeat_at, status FROM silos ORDER BY started_at, id";

    /// <summary>Several nonces in one statement; RETURNING lists those that were new (or whose registration expired).</summary>
    public const string RegisterNonces =
        "INSERT INTO nonces (scope, nonce, expires_at) SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[]) " +
        "ON CONFLICT (scope, nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE nonces.expires_at < now() " +
        "RETURNING scope, nonce";

    public const string PurgeNonces = "DELETE FROM nonces WHERE expires_at < now()";

    public const string PurgeJobs = "DELETE FROM jobs WHERE status IN ('done', 'dead', 'cancelled') AND updated_at < now() - interval '7 days'";

    public const string PurgeSilos = "DELETE FROM silos WHERE status = 'Dead' AND heartbeat_at < now() - interval '1 day'";
}
