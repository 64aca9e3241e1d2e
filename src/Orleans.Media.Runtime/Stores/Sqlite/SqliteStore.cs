using System.Text.Json;
using Microsoft.Data.Sqlite;
using Orleans.Media.Runtime.Core;

namespace Orleans.Media.Runtime.Stores.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. Writes (turns, claims, leases) go through a process-wide gate
/// and BEGIN IMMEDIATE, so positions and versions follow commit order; reads run concurrently on their own
/// connections. Times are Unix milliseconds from the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed class SqliteStore : IRuntimeStore
{
    private readonly string _connectionString;
    private readonly SqliteShared _shared;
    private readonly TimeProvider _time;
    private volatile bool _killed;

    public SqliteStore(string path, TimeProvider time)
    {
        var fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = fullPath, Pooling = true, DefaultTimeout = 30 }.ToString();
        _shared = SqliteShared.For(fullPath);
        _time = time;
    }

    public StoreKind Kind => StoreKind.Sqlite;

    public AsyncSignal EventsAppended => _shared.EventsAppended;

    public AsyncSignal JobsScheduled => _shared.JobsScheduled;

    internal long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _shared.WriteGate.EnterAsync(control: false, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (var wal = conn.Command("PRAGMA journal_mode = WAL"))
            {
                await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // One IMMEDIATE transaction: another process starting on the same file waits instead of migrating twice.
            await using (var begin = conn.Command("BEGIN IMMEDIATE"))
            {
                await begin.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await using (var create = conn.Command("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"))
                {
                    await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                long version;
                await using (var current = conn.Command("SELECT coalesce(max(version), 0) FROM schema_version"))
                {
                    version = (long)(await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                }

                foreach (var (v, sql) in SchemaScripts.Load("Sqlite").Where(s => s.Version > version))
                {
                    await using (var script = conn.Command(sql))
                    {
                        await script.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await using var record = conn.Command("INSERT INTO schema_version (version, applied_at) VALUES ($v, $now)", ("$v", v), ("$now", Now));
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using var commit = conn.Command("COMMIT");
                await commit.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await using var rollback = conn.Command("ROLLBACK");
                await rollback.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _shared.WriteGate.Release();
        }
    }

    public void Kill()
    {
        _killed = true;
    }

    public bool IsRetryable(Exception exception) => exception is SqliteException { SqliteErrorCode: 5 or 6 };

    public async Task<ITurnTransaction> BeginTurnAsync(CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        await _shared.WriteGate.EnterAsync(control: false, cancellationToken).ConfigureAwait(false);
        SqliteConnection? conn = null;
        try
        {
            conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (var begin = conn.Command("BEGIN IMMEDIATE"))
            {
                await begin.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return new SqliteTurnTransaction(this, conn, _shared);
        }
        catch
        {
            if (conn is not null)
            {
                await conn.DisposeAsync().ConfigureAwait(false);
            }

            _shared.WriteGate.Release();
            throw;
        }
    }

    public async Task<GrainRecord?> ReadGrainAsync(GrainId grainId, long cachedVersion, CancellationToken cancellationToken)
    {
        await using var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = conn.Command(
            "SELECT version, partition_key, CASE WHEN version = $v THEN NULL ELSE state END FROM grains WHERE grain_type = $t AND grain_key = $k",
            ("$t", grainId.Type), ("$k", grainId.Key), ("$v", cachedVersion));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new GrainRecord(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    public Task<IReadOnlyList<ClaimedJob>> ClaimJobsAsync(string owner, int max, int maxPerPartition, TimeSpan lease, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<ClaimedJob>>(async conn =>
        {
            var now = Now;
            await using var cmd = conn.Command("""
                WITH running AS (
                    SELECT partition_key, count(*) AS n FROM jobs WHERE status = 'running' AND lease_until > $now GROUP BY partition_key),
                ranked AS (
                    SELECT id, due_at, partition_key, row_number() OVER (PARTITION BY partition_key ORDER BY due_at, id) AS rn
                    FROM jobs WHERE (status = 'queued' AND due_at <= $now) OR (status = 'running' AND lease_until <= $now)),
                picked AS (
                    SELECT r.id FROM ranked r LEFT JOIN running ru ON ru.partition_key = r.partition_key
                    LEFT JOIN job_partition_limits l ON l.partition_key = r.partition_key
                    WHERE r.rn + coalesce(ru.n, 0) <= coalesce(l.max_running, $per)
                    ORDER BY r.rn + coalesce(ru.n, 0), r.due_at, r.id LIMIT $max)
                UPDATE jobs SET status = 'running', lease_owner = $owner, lease_until = $until,
                       attempt = attempt + CASE WHEN outcome IS NULL THEN 1 ELSE 0 END, updated_at = $now
                WHERE id IN (SELECT id FROM picked)
                RETURNING id, grain_type, grain_key, kind, partition_key, payload, attempt, max_attempts, checkpoint, outcome, result, error
                """, ("$now", now), ("$per", maxPerPartition), ("$max", max), ("$owner", owner), ("$until", now + (long)lease.TotalMilliseconds));
            var jobs = new List<ClaimedJob>();
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var outcome = reader.IsDBNull(9) ? null : new JobOutcomeRecord(JobStatusNames.ParseOutcome(reader.GetString(9)),
                    reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11), reader.GetInt32(6));
                jobs.Add(new ClaimedJob(Guid.Parse(reader.GetString(0)), new GrainId(reader.GetString(1), reader.GetString(2)), reader.GetString(3),
                    reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6), reader.GetInt32(7),
                    reader.IsDBNull(8) ? null : reader.GetString(8), outcome));
            }

            return jobs;
        }, cancellationToken);

    public IReadOnlySet<Guid> RenewJobLeases(string owner, IReadOnlyCollection<Guid> jobIds, TimeSpan lease) =>
        WriteSync(conn =>
        {
            using var cmd = conn.Command(
                "UPDATE jobs SET lease_until = $until WHERE lease_owner = $owner AND status = 'running' AND id IN (SELECT value FROM json_each($ids)) RETURNING id",
                ("$until", Now + (long)lease.TotalMilliseconds), ("$owner", owner), ("$ids", JsonSerializer.Serialize(jobIds.Select(i => i.ToString()))));
            var renewed = new HashSet<Guid>();
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                renewed.Add(Guid.Parse(reader.GetString(0)));
            }

            return renewed;
        });

    public async Task<bool> SaveJobCheckpointAsync(Guid jobId, string owner, string checkpoint, TimeSpan lease, CancellationToken cancellationToken) =>
        await WriteNonQueryAsync(
            "UPDATE jobs SET checkpoint = $cp, lease_until = $until, updated_at = $now WHERE id = $id AND lease_owner = $owner AND status = 'running'",
            cancellationToken, ("$cp", checkpoint), ("$until", Now + (long)lease.TotalMilliseconds), ("$now", Now), ("$id", jobId.ToString()),
            ("$owner", owner)).ConfigureAwait(false) == 1;

    public async Task<bool> RequeueJobAsync(
        Guid jobId, string owner, TimeSpan delay, string? error, JobOutcomeRecord? pendingOutcome, bool refundAttempt, CancellationToken cancellationToken)
    {
        var changed = await WriteNonQueryAsync(
            "UPDATE jobs SET status = 'queued', due_at = $due, lease_owner = NULL, lease_until = NULL, error = coalesce($error, error), " +
            "outcome = coalesce($outcome, outcome), result = coalesce($result, result), attempt = attempt - $refund, updated_at = $now " +
            "WHERE id = $id AND lease_owner = $owner AND status = 'running'",
            cancellationToken, ("$due", Now + (long)delay.TotalMilliseconds), ("$error", error),
            ("$outcome", pendingOutcome is null ? null : JobStatusNames.OutcomeName(pendingOutcome.Status)), ("$result", pendingOutcome?.ResultJson),
            ("$refund", refundAttempt ? 1 : 0), ("$now", Now), ("$id", jobId.ToString()), ("$owner", owner)).ConfigureAwait(false);
        return changed == 1;
    }

    public async Task<bool> FinishJobAsync(Guid jobId, string owner, JobOutcomeRecord outcome, CancellationToken cancellationToken) =>
        await WriteNonQueryAsync(
            "UPDATE jobs SET status = $status, outcome = $outcome, result = $result, error = $error, lease_owner = NULL, lease_until = NULL, updated_at = $now " +
            "WHERE id = $id AND lease_owner = $owner AND status = 'running'",
            cancellationToken, ("$status", JobStatusNames.ForOutcome(outcome.Status)), ("$outcome", JobStatusNames.OutcomeName(outcome.Status)),
            ("$result", outcome.ResultJson), ("$error", outcome.Error), ("$now", Now), ("$id", jobId.ToString()), ("$owner", owner)).ConfigureAwait(false) == 1;

    public async Task<JobRecord?> GetJobAsync(Guid jobId, CancellationToken cancellationToken)
    {
        await using var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = conn.Command(
            "SELECT id, grain_type, grain_key, kind, partition_key, status, attempt, max_attempts, lease_owner, checkpoint, result, error FROM jobs WHERE id = $id",
            ("$id", jobId.ToString()));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new JobRecord(Guid.Parse(reader.GetString(0)), new GrainId(reader.GetString(1), reader.GetString(2)), reader.GetString(3), reader.GetString(4),
            JobStatusNames.Parse(reader.GetString(5)), reader.GetInt32(6), reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetString(8),
            reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11));
    }

    public Task<IReadOnlyList<ClaimedReminder>> ClaimRemindersAsync(string owner, int max, TimeSpan lease, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<ClaimedReminder>>(async conn =>
        {
            var now = Now;
            await using var cmd = conn.Command(
                "UPDATE reminders SET lease_owner = $owner, lease_until = $until WHERE (grain_type, grain_key, name) IN (" +
                "SELECT grain_type, grain_key, name FROM reminders WHERE due_at <= $now AND (lease_until IS NULL OR lease_until < $now) ORDER BY due_at LIMIT $max) " +
                "RETURNING grain_type, grain_key, name, period_ms, first_due_at, due_at, failures",
                ("$owner", owner), ("$until", now + (long)lease.TotalMilliseconds), ("$now", now), ("$max", max));
            var list = new List<ClaimedReminder>();
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(new ClaimedReminder(new GrainId(reader.GetString(0), reader.GetString(1)), reader.GetString(2),
                    TimeSpan.FromMilliseconds(reader.GetInt64(3)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), reader.GetInt32(6)));
            }

            return list;
        }, cancellationToken);

    public Task ReminderFailedAsync(ClaimedReminder reminder, string owner, TimeSpan delay, CancellationToken cancellationToken) =>
        WriteNonQueryAsync(
            "UPDATE reminders SET due_at = $due, failures = failures + 1, lease_owner = NULL, lease_until = NULL " +
            "WHERE grain_type = $t AND grain_key = $k AND name = $n AND lease_owner = $owner",
            cancellationToken, ("$due", Now + (long)delay.TotalMilliseconds), ("$t", reminder.GrainId.Type), ("$k", reminder.GrainId.Key),
            ("$n", reminder.Name), ("$owner", owner));

    public async Task ReleaseLeasesAsync(string owner, CancellationToken cancellationToken)
    {
        await WriteNonQueryAsync(
            "UPDATE jobs SET status = 'queued', due_at = $now, lease_owner = NULL, lease_until = NULL, attempt = max(attempt - 1, 0), updated_at = $now " +
            "WHERE lease_owner = $owner AND status = 'running'", cancellationToken, ("$now", Now), ("$owner", owner)).ConfigureAwait(false);
        await WriteNonQueryAsync("UPDATE reminders SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $owner", cancellationToken, ("$owner", owner))
            .ConfigureAwait(false);
        _shared.JobsScheduled.Pulse();
    }

    public async Task<IReadOnlyList<StreamEvent>> ReadEventsAsync(long afterPosition, StreamFilter filter, int max, CancellationToken cancellationToken)
    {
        await using var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var sql = "SELECT position, stream_ns, stream_key, type, payload, source_type, source_key, created_at FROM events WHERE position > $after";
        if (filter.Namespace is not null)
        {
            sql += " AND stream_ns = $ns";
            if (filter.Key is not null)
            {
                sql += " AND stream_key = $key";
            }
        }

        await using var cmd = conn.Command(sql + " ORDER BY position LIMIT $max",
            ("$after", afterPosition), ("$ns", filter.Namespace), ("$key", filter.Key), ("$max", max));
        var events = new List<StreamEvent>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            using var doc = JsonDocument.Parse(reader.GetString(4));
            GrainId? source = reader.IsDBNull(5) ? null : new GrainId(reader.GetString(5), reader.GetString(6));
            events.Add(new StreamEvent(reader.GetInt64(0), new StreamId(reader.GetString(1), reader.GetString(2)), reader.GetString(3),
                doc.RootElement.Clone(), source, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))));
        }

        return events;
    }

    public async Task<long> GetLastEventPositionAsync(CancellationToken cancellationToken)
    {
        await using var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = conn.Command("SELECT coalesce(max(position), 0) FROM events");
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public Task<long> PeekLastEventPositionAsync(CancellationToken cancellationToken) => GetLastEventPositionAsync(cancellationToken);

    public async Task<long> GetCursorAsync(string consumer, CancellationToken cancellationToken)
    {
        await using var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = conn.Command("SELECT position FROM stream_cursors WHERE consumer = $c", ("$c", consumer));
        return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long p ? p : 0;
    }

    public Task SaveCursorAsync(string consumer, long position, CancellationToken cancellationToken) =>
        WriteNonQueryAsync(
            "INSERT INTO stream_cursors (consumer, position, updated_at) VALUES ($c, $p, $now) " +
            "ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
            cancellationToken, ("$c", consumer), ("$p", position), ("$now", Now));

    public Task RegisterSiloAsync(SiloInfo silo, CancellationToken cancellationToken) =>
        WriteNonQueryAsync(
            "INSERT INTO silos (id, name, endpoint, roles, started_at, heartbeat_at, status) VALUES ($id, $name, $ep, $roles, $started, $now, $status) " +
            "ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, status = excluded.status",
            cancellationToken, ("$id", silo.Id), ("$name", silo.Name), ("$ep", silo.Endpoint), ("$roles", string.Join(',', silo.Roles)),
            ("$started", silo.StartedAt.ToUnixTimeMilliseconds()), ("$now", Now), ("$status", silo.Status.ToString()));

    public Task HeartbeatAsync(string siloId, SiloStatus status, TimeSpan deadAfter, CancellationToken cancellationToken) =>
        WriteAsync(async conn =>
        {
            var now = Now;
            await using var beat = conn.Command("UPDATE silos SET heartbeat_at = $now, status = $status WHERE id = $id",
                ("$now", now), ("$status", status.ToString()), ("$id", siloId));
            await beat.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await using var dead = conn.Command("UPDATE silos SET status = 'Dead' WHERE id <> $id AND status <> 'Dead' AND heartbeat_at < $limit",
                ("$id", siloId), ("$limit", now - (long)deadAfter.TotalMilliseconds));
            await dead.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken, control: true);

    public void Heartbeat(string siloId, SiloStatus status, TimeSpan deadAfter) =>
        WriteSync(conn =>
        {
            var now = Now;
            using var beat = conn.Command("UPDATE silos SET heartbeat_at = $now, status = $status WHERE id = $id",
                ("$now", now), ("$status", status.ToString()), ("$id", siloId));
            beat.ExecuteNonQuery();
            using var dead = conn.Command("UPDATE silos SET status = 'Dead' WHERE id <> $id AND status <> 'Dead' AND heartbeat_at < $limit",
                ("$id", siloId), ("$limit", now - (long)deadAfter.TotalMilliseconds));
            dead.ExecuteNonQuery();
            return true;
        });

    public async Task<IReadOnlyList<SiloInfo>> GetSilosAsync(CancellationToken cancellationToken)
    {
        await using var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = conn.Command("SELECT id, name, endpoint, roles, started_at, heartbeat_at, status FROM silos ORDER BY started_at, id");
        var list = new List<SiloInfo>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new SiloInfo(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3).Split(',', StringSplitOptions.RemoveEmptyEntries), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), Enum.Parse<SiloStatus>(reader.GetString(6))));
        }

        return list;
    }

    public async Task<bool> TryRegisterNonceAsync(string scope, string nonce, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        await WriteNonQueryAsync(
            "INSERT INTO nonces (scope, nonce, expires_at) VALUES ($s, $n, $e) ON CONFLICT (scope, nonce) DO UPDATE SET expires_at = excluded.expires_at " +
            "WHERE nonces.expires_at < $now",
            cancellationToken, ("$s", scope), ("$n", nonce), ("$e", expiresAt.ToUnixTimeMilliseconds()), ("$now", Now)).ConfigureAwait(false) == 1;

    public async Task<int> PurgeExpiredAsync(CancellationToken cancellationToken)
    {
        var now = Now;
        var n = await WriteNonQueryAsync("DELETE FROM nonces WHERE expires_at < $now", cancellationToken, ("$now", now)).ConfigureAwait(false);
        n += await WriteNonQueryAsync("DELETE FROM jobs WHERE status IN ('done', 'dead', 'cancelled') AND updated_at < $limit", cancellationToken,
            ("$limit", now - (long)TimeSpan.FromDays(7).TotalMilliseconds)).ConfigureAwait(false);
        n += await WriteNonQueryAsync("DELETE FROM silos WHERE status = 'Dead' AND heartbeat_at < $limit", cancellationToken,
            ("$limit", now - (long)TimeSpan.FromDays(1).TotalMilliseconds)).ConfigureAwait(false);
        return n;
    }

    public async Task<IReadOnlyList<StateRow>> QueryStatesAsync(GrainStateQuery query, CancellationToken cancellationToken)
    {
        await using var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = SqliteStateQuery.Build(conn, query, count: false);
        var rows = new List<StateRow>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new StateRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : Convert.ToString(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture)));
        }

        return rows;
    }

    public bool IsSortValue(string? value, StateValueKind kind) => SqliteStateQuery.IsSortValue(value, kind);

    public async Task<long> CountStatesAsync(GrainStateQuery query, CancellationToken cancellationToken)
    {
        await using var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = SqliteStateQuery.Build(conn, query, count: true);
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        var conn = new SqliteConnection(_connectionString);
        await conn.OpenAsync(cancellationToken).ConfigureAwait(false);

        // Per connection (pooled connections keep them, re-running is cheap). NORMAL in WAL: a commit survives a
        // process crash; only an OS crash or power loss can drop the last transactions.
        await using var pragmas = conn.Command("PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL");
        await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return conn;
    }

    private async Task<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken, bool control = false)
    {
        ThrowIfKilled();
        await _shared.WriteGate.EnterAsync(control, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (var begin = conn.Command("BEGIN IMMEDIATE"))
            {
                await begin.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                var result = await work(conn).ConfigureAwait(false);
                await using var commit = conn.Command("COMMIT");
                await commit.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
            catch
            {
                await using var rollback = conn.Command("ROLLBACK");
                await rollback.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _shared.WriteGate.Release();
        }
    }

    /// <summary>A control write on the caller's (dedicated) thread, ahead of queued turns.</summary>
    private T WriteSync<T>(Func<SqliteConnection, T> work)
    {
        ThrowIfKilled();
        _shared.WriteGate.EnterAsync(control: true, CancellationToken.None).GetAwaiter().GetResult();
        try
        {
            using var conn = new SqliteConnection(_connectionString);
            conn.Open();
            using (var pragmas = conn.Command("PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE"))
            {
                pragmas.ExecuteNonQuery();
            }

            try
            {
                var result = work(conn);
                using var commit = conn.Command("COMMIT");
                commit.ExecuteNonQuery();
                return result;
            }
            catch
            {
                using var rollback = conn.Command("ROLLBACK");
                rollback.ExecuteNonQuery();
                throw;
            }
        }
        finally
        {
            _shared.WriteGate.Release();
        }
    }

    private Task<int> WriteNonQueryAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        WriteAsync(async conn =>
        {
            await using var cmd = conn.Command(sql, parameters);
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private void ThrowIfKilled()
    {
        if (_killed)
        {
            throw new ObjectDisposedException(nameof(SqliteStore), "The silo was killed.");
        }
    }
}
