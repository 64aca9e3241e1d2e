using System.Text.Json;
using Npgsql;
using Orleans.Media.Runtime.Core;
using static Orleans.Media.Runtime.Stores.Postgres.PostgresParameters;

namespace Orleans.Media.Runtime.Stores.Postgres;

/// <summary>
/// The cluster store. Two pools: the data pool (turns, jobs, queries) and a small control pool with short timeouts
/// (heartbeats, lease renewals) so a saturated data pool never fences a healthy silo. A LISTEN connection turns
/// NOTIFYs into wake-ups.
/// </summary>
internal sealed class PostgresStore : IRuntimeStore
{
    private readonly NpgsqlDataSource _data;
    private readonly NpgsqlDataSource _control;
    private readonly PostgresNotificationListener _listener;
    private readonly PostgresNotifier _notifier;
    private readonly PostgresNonceBatcher _nonces;
    private readonly PostgresGrainReader _reader;
    private readonly int _heartbeatTimeoutSeconds;
    private readonly string _migrationConnectionString;
    private volatile bool _killed;

    public PostgresStore(string connectionString, GrainRuntimeOptions options)
    {
        // A heartbeat that answers within half the lease still renews it (the lease counts from when it was sent).
        _heartbeatTimeoutSeconds = Math.Max(2, (int)Math.Ceiling(options.SiloLeaseTime.TotalSeconds / 2));
        var data = PostgresConnectionStrings.Data(connectionString, options.SiloName);
        var control = PostgresConnectionStrings.Control(data, options.HeartbeatInterval);
        var listen = PostgresConnectionStrings.Listen(data, options.HeartbeatInterval);
        _migrationConnectionString = PostgresConnectionStrings.Migration(data).ConnectionString;
        _data = NpgsqlDataSource.Create(data.ConnectionString);
        _control = NpgsqlDataSource.Create(control.ConnectionString);
        _listener = new PostgresNotificationListener(listen.ConnectionString, EventsAppended, JobsScheduled);
        _notifier = new PostgresNotifier(_control);
        _nonces = new PostgresNonceBatcher(_data);
        _reader = new PostgresGrainReader(_data);
    }

    public StoreKind Kind => StoreKind.Postgres;

    public AsyncSignal EventsAppended { get; } = new();

    public AsyncSignal JobsScheduled { get; } = new();

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        await using (var conn = new NpgsqlConnection(_migrationConnectionString))
        {
            await conn.OpenAsync(cancellationToken).ConfigureAwait(false);
            await PostgresMigrator.MigrateAsync(conn, cancellationToken).ConfigureAwait(false);
        }

        _listener.Start();
        _notifier.Start();
        _nonces.Start();
        _reader.Start();
    }

    public void Kill()
    {
        _killed = true;
        _listener.Stop();
        _notifier.Stop();
        _nonces.Stop();
        _reader.Stop();
        _data.Clear();
        _control.Clear();
    }

    public bool IsRetryable(Exception exception) => exception switch
    {
        PostgresException { SqlState: "40P01" or "40001" or "55P03" } => true,
        _ => false,
    };

    public async Task<ITurnTransaction> BeginTurnAsync(CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        var conn = await _data.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return new PostgresTurnTransaction(conn, _notifier);
    }

    /// <summary>Snapshot reads go through the micro-batching reader (see <see cref="PostgresGrainReader"/>).</summary>
    public Task<GrainRecord?> ReadGrainAsync(GrainId grainId, long cachedVersion, CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        return _reader.ReadAsync(grainId, cachedVersion, cancellationToken);
    }

    public async Task<IReadOnlyList<ClaimedJob>> ClaimJobsAsync(string owner, int max, int maxPerPartition, TimeSpan lease, CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        await using var conn = await _data.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(conn)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("BEGIN"),
                // The claim lock is held until commit: without the WAL flush wait, the next claim (of any silo)
                // starts sooner. A claim lost to a database crash only means the jobs are queued again: any later
                // durable commit (checkpoint, outcome turn) flushes the claim first, and the outcome turn requires
                // the lease, so outcomes stay exactly-once (handlers are at-least-once anyway).
                new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"),
                Command("SELECT pg_advisory_xact_lock($1)", PostgresSql.ClaimLockKey),
                Command(PostgresSql.ClaimJobs, owner, max, maxPerPartition, lease),
                new NpgsqlBatchCommand("COMMIT"),
            },
        };
        var jobs = new List<ClaimedJob>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var outcome = reader.IsDBNull(9) ? null : new JobOutcomeRecord(JobStatusNames.ParseOutcome(reader.GetString(9)),
                    reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11), reader.GetInt32(6));
                jobs.Add(new ClaimedJob(reader.GetGuid(0), new GrainId(reader.GetString(1), reader.GetString(2)), reader.GetString(3), reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6), reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                    outcome));
            }

            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            {
            }
        }

        return jobs;
    }

    public IReadOnlySet<Guid> RenewJobLeases(string owner, IReadOnlyCollection<Guid> jobIds, TimeSpan lease)
    {
        ThrowIfKilled();
        using var cmd = _control.CreateCommand(PostgresSql.RenewJobs);
        cmd.Add(owner, jobIds.ToArray(), lease);
        var renewed = new HashSet<Guid>();
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            renewed.Add(reader.GetGuid(0));
        }

        return renewed;
    }

    public async Task<bool> SaveJobCheckpointAsync(Guid jobId, string owner, string checkpoint, TimeSpan lease, CancellationToken cancellationToken) =>
        await ExecuteAsync(PostgresSql.SaveCheckpoint, cancellationToken, jobId, owner, checkpoint, lease).ConfigureAwait(false) == 1;

    public async Task<bool> RequeueJobAsync(
        Guid jobId, string owner, TimeSpan delay, string? error, JobOutcomeRecord? pendingOutcome, bool refundAttempt, CancellationToken cancellationToken) =>
        await ExecuteAsync(PostgresSql.RequeueJob, cancellationToken, jobId, owner, delay, error,
            pendingOutcome is null ? null : JobStatusNames.OutcomeName(pendingOutcome.Status), pendingOutcome?.ResultJson, refundAttempt).ConfigureAwait(false) == 1;

    public async Task<bool> FinishJobAsync(Guid jobId, string owner, JobOutcomeRecord outcome, CancellationToken cancellationToken) =>
        await ExecuteAsync(PostgresSql.FinishJob, cancellationToken, jobId, owner, JobStatusNames.ForOutcome(outcome.Status),
            JobStatusNames.OutcomeName(outcome.Status), outcome.ResultJson, outcome.Error).ConfigureAwait(false) == 1;

    public async Task<JobRecord?> GetJobAsync(Guid jobId, CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        await using var cmd = _data.CreateCommand(PostgresSql.GetJob);
        cmd.Add(jobId);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new JobRecord(reader.GetGuid(0), new GrainId(reader.GetString(1), reader.GetString(2)), reader.GetString(3), reader.GetString(4),
            JobStatusNames.Parse(reader.GetString(5)), reader.GetInt32(6), reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetString(8),
            reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11));
    }

    public async Task<IReadOnlyList<ClaimedReminder>> ClaimRemindersAsync(string owner, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        await using var cmd = _data.CreateCommand(PostgresSql.ClaimReminders);
        cmd.Add(owner, max, lease);
        var list = new List<ClaimedReminder>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new ClaimedReminder(new GrainId(reader.GetString(0), reader.GetString(1)), reader.GetString(2),
                TimeSpan.FromMilliseconds(reader.GetInt64(3)), reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetInt32(6)));
        }

        return list;
    }

    public Task ReminderFailedAsync(ClaimedReminder reminder, string owner, TimeSpan delay, CancellationToken cancellationToken) =>
        ExecuteAsync(PostgresSql.ReminderFailed, cancellationToken, reminder.GrainId.Type, reminder.GrainId.Key, reminder.Name, owner, delay);

    public async Task ReleaseLeasesAsync(string owner, CancellationToken cancellationToken)
    {
        await ExecuteAsync(PostgresSql.ReleaseJobs, cancellationToken, owner).ConfigureAwait(false);
        await ExecuteAsync(PostgresSql.ReleaseReminders, cancellationToken, owner).ConfigureAwait(false);
        _notifier.JobsScheduled();
    }

    public async Task<IReadOnlyList<StreamEvent>> ReadEventsAsync(long afterPosition, StreamFilter filter, int max, CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        var sql = "SELECT position, stream_ns, stream_key, type, payload::text, source_type, source_key, created_at FROM events WHERE position > $1";
        var select = Command(sql, afterPosition);
        if (filter.Namespace is not null)
        {
            sql += " AND stream_ns = $2";
            select.Parameters.Add(new NpgsqlParameter { Value = filter.Namespace });
            if (filter.Key is not null)
            {
                sql += " AND stream_key = $3";
                select.Parameters.Add(new NpgsqlParameter { Value = filter.Key });
            }
        }

        select.Parameters.Add(new NpgsqlParameter { Value = max });
        select.CommandText = sql + $" ORDER BY position LIMIT ${select.Parameters.Count}";
        var events = new List<StreamEvent>();
        await ReadUnderEventsLockAsync(select, async reader =>
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                using var doc = JsonDocument.Parse(reader.GetString(4));
                GrainId? source = reader.IsDBNull(5) ? null : new GrainId(reader.GetString(5), reader.GetString(6));
                events.Add(new StreamEvent(reader.GetInt64(0), new StreamId(reader.GetString(1), reader.GetString(2)), reader.GetString(3),
                    doc.RootElement.Clone(), source, reader.GetFieldValue<DateTimeOffset>(7)));
            }
        }, cancellationToken).ConfigureAwait(false);
        return events;
    }

    public async Task<long> GetLastEventPositionAsync(CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        long last = 0;
        await ReadUnderEventsLockAsync(new NpgsqlBatchCommand(PostgresSql.LastPosition), async reader =>
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                last = reader.GetInt64(0);
            }
        }, cancellationToken).ConfigureAwait(false);
        return last;
    }

    public async Task<long> PeekLastEventPositionAsync(CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        await using var cmd = _data.CreateCommand(PostgresSql.LastPosition);
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<long> GetCursorAsync(string consumer, CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        await using var cmd = _data.CreateCommand(PostgresSql.GetCursor);
        cmd.Add(consumer);
        return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long p ? p : 0;
    }

    public Task SaveCursorAsync(string consumer, long position, CancellationToken cancellationToken) =>
        ExecuteAsync(PostgresSql.SaveCursor, cancellationToken, consumer, position);

    public Task RegisterSiloAsync(SiloInfo silo, CancellationToken cancellationToken) =>
        ExecuteAsync(PostgresSql.RegisterSilo, cancellationToken, silo.Id, silo.Name, silo.Endpoint, string.Join(',', silo.Roles), silo.StartedAt,
            silo.Status.ToString());

    public async Task HeartbeatAsync(string siloId, SiloStatus status, TimeSpan deadAfter, CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        await using var conn = await _control.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = HeartbeatBatch(conn, siloId, status, deadAfter);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Heartbeat(string siloId, SiloStatus status, TimeSpan deadAfter)
    {
        ThrowIfKilled();
        using var conn = _control.OpenConnection();
        using var batch = HeartbeatBatch(conn, siloId, status, deadAfter);
        batch.ExecuteNonQuery();
    }

    /// <summary>
    /// The heartbeat does not wait for its WAL flush: other silos see the row at commit either way, and losing the
    /// last heartbeat to a database crash only makes this silo look a little older. A busy disk then cannot make a
    /// healthy silo miss its lease.
    /// </summary>
    private NpgsqlBatch HeartbeatBatch(NpgsqlConnection conn, string siloId, SiloStatus status, TimeSpan deadAfter) =>
        new(conn)
        {
            Timeout = _heartbeatTimeoutSeconds,
            BatchCommands =
            {
                new NpgsqlBatchCommand("BEGIN"),
                new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"),
                Command(PostgresSql.Heartbeat, siloId, status.ToString()),
                Command(PostgresSql.MarkDead, siloId, deadAfter),
                new NpgsqlBatchCommand("COMMIT"),
            },
        };

    public async Task<IReadOnlyList<SiloInfo>> GetSilosAsync(CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        await using var cmd = _data.CreateCommand(PostgresSql.ListSilos);
        var list = new List<SiloInfo>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new SiloInfo(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3).Split(',', StringSplitOptions.RemoveEmptyEntries), reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetFieldValue<DateTimeOffset>(5), Enum.Parse<SiloStatus>(reader.GetString(6))));
        }

        return list;
    }

    public Task<bool> TryRegisterNonceAsync(string scope, string nonce, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        return _nonces.RegisterAsync(scope, nonce, expiresAt, cancellationToken);
    }

    public async Task<int> PurgeExpiredAsync(CancellationToken cancellationToken)
    {
        var n = await ExecuteAsync(PostgresSql.PurgeNonces, cancellationToken).ConfigureAwait(false);
        n += await ExecuteAsync(PostgresSql.PurgeJobs, cancellationToken).ConfigureAwait(false);
        n += await ExecuteAsync(PostgresSql.PurgeSilos, cancellationToken).ConfigureAwait(false);
        return n;
    }

    public async Task<IReadOnlyList<StateRow>> QueryStatesAsync(GrainStateQuery query, CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        await using var cmd = PostgresStateQuery.Build(_data, query, count: false);
        var rows = new List<StateRow>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new StateRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return rows;
    }

    public bool IsSortValue(string? value, StateValueKind kind) => PostgresStateQuery.IsSortValue(value, kind);

    public async Task<long> CountStatesAsync(GrainStateQuery query, CancellationToken cancellationToken)
    {
        ThrowIfKilled();
        await using var cmd = PostgresStateQuery.Build(_data, query, count: true);
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _notifier.Stop();
        _nonces.Stop();
        _reader.Stop();
        await _data.DisposeAsync().ConfigureAwait(false);
        await _control.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Positions come from an identity sequence, which is not commit-ordered. Publishers hold the events lock
    /// shared until they commit; taking it exclusively here waits for every publisher that has already drawn a
    /// position, so the snapshot of the next statement contains all of them: a reader never skips a lower position.
    /// </summary>
    private async Task ReadUnderEventsLockAsync(NpgsqlBatchCommand select, Func<NpgsqlDataReader, Task> read, CancellationToken cancellationToken)
    {
        await using var conn = await _data.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(conn)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("BEGIN"),
                Command("SELECT pg_advisory_xact_lock($1)", PostgresSql.EventsLockKey),
                select,
                new NpgsqlBatchCommand("COMMIT"),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await read(reader).ConfigureAwait(false);
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
        {
        }
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params object?[] values)
    {
        ThrowIfKilled();
        await using var cmd = _data.CreateCommand(sql);
        cmd.Add(values);
        return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private void ThrowIfKilled()
    {
        if (_killed)
        {
            throw new ObjectDisposedException(nameof(PostgresStore), "The silo was killed.");
        }
    }
}
