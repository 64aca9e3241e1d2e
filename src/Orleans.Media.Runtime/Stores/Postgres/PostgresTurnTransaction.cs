using Npgsql;
using Orleans.Media.Runtime.Core;
using static Orleans.Media.Runtime.Stores.Postgres.PostgresParameters;

namespace Orleans.Media.Runtime.Stores.Postgres;

/// <summary>
/// A turn on PostgreSQL in two round trips: (BEGIN; guard; SELECT … FOR UPDATE) then (writes; effects; COMMIT); one
/// (BEGIN; writes; effects; COMMIT) when its grain is assumed new.
/// Wake-up NOTIFYs are sent after the commit by <see cref="PostgresNotifier"/>.
/// A stale write raises inside the second batch, so the COMMIT after it never runs.
/// </summary>
internal sealed class PostgresTurnTransaction(NpgsqlConnection connection, PostgresNotifier notifier) : ITurnTransaction
{
    private bool _begun;
    private bool _finished;

    public async Task<(bool GuardPassed, GrainRecord? Record)> LockGrainAsync(
        GrainId grainId, long cachedVersion, TurnGuard? guard, CancellationToken cancellationToken)
    {
        await using var batch = StartBatch(guard);
        batch.BatchCommands.Add(Command(PostgresSql.LockGrain, grainId.Type, grainId.Key, cachedVersion));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await ReadGuardAsync(reader, guard, cancellationToken).ConfigureAwait(false))
        {
            return (false, null);
        }

        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return (true, null);
        }

        return (true, PostgresSql.ReadRecord(reader, first: 0));
    }

    public async Task<(bool GuardPassed, IReadOnlyList<GrainRecord?> Records)> LockGrainsAsync(
        IReadOnlyList<(GrainId GrainId, long CachedVersion)> grains, TurnGuard? guard, CancellationToken cancellationToken)
    {
        await using var batch = StartBatch(guard);
        batch.BatchCommands.Add(Command(PostgresSql.LockGrains, grains.Select(g => g.GrainId.Type).ToArray(), grains.Select(g => g.GrainId.Key).ToArray(),
            grains.Select(g => g.CachedVersion).ToArray()));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await ReadGuardAsync(reader, guard, cancellationToken).ConfigureAwait(false))
        {
            return (false, []);
        }

        var records = new GrainRecord?[grains.Count];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            records[reader.GetInt64(0) - 1] = PostgresSql.ReadRecord(reader, first: 1);
        }

        return (true, records);
    }

    public async Task<GrainRecord?> ReadGrainAsync(GrainId grainId, long cachedVersion, CancellationToken cancellationToken)
    {
        await using var batch = StartBatch(guard: null);
        batch.BatchCommands.Add(Command(PostgresSql.ReadGrain, grainId.Type, grainId.Key, cachedVersion));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return PostgresSql.ReadRecord(reader, first: 0);
    }

    public async Task CommitAsync(IReadOnlyList<GrainWrite> writes, TurnEffects effects, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        var commands = batch.BatchCommands;
        if (!_begun)
        {
            // A turn that read nothing (its grain assumed new) opens and commits its transaction in one round trip.
            commands.Add(new NpgsqlBatchCommand("BEGIN"));
            _begun = true;
        }

        var firstWrite = commands.Count;
        foreach (var w in writes)
        {
            commands.Add(w.ExpectedVersion == 0
                ? Command(PostgresSql.InsertGrain, w.GrainId.Type, w.GrainId.Key, w.Partition, w.StateJson)
                : Command(PostgresSql.UpdateGrain, w.GrainId.Type, w.GrainId.Key, w.Partition, w.StateJson, w.ExpectedVersion));
        }

        foreach (var j in effects.Jobs)
        {
            commands.Add(Command(PostgresSql.InsertJob, j.Id, j.GrainId.Type, j.GrainId.Key, j.Kind, j.Partition, j.PayloadJson, j.MaxAttempts, j.Delay));
        }

        foreach (var id in effects.JobCancels)
        {
            commands.Add(Command(PostgresSql.CancelJob, id));
        }

        foreach (var r in effects.Reminders)
        {
            commands.Add(r.Period is { } period
                ? Command(PostgresSql.UpsertReminder, r.GrainId.Type, r.GrainId.Key, r.Name, (long)period.TotalMilliseconds, r.DueTime)
                : Command(PostgresSql.DeleteReminder, r.GrainId.Type, r.GrainId.Key, r.Name));
        }

        foreach (var l in effects.PartitionLimits)
        {
            commands.Add(l.MaxRunning is { } max
                ? Command(PostgresSql.UpsertPartitionLimit, l.Partition, max)
                : Command(PostgresSql.DeletePartitionLimit, l.Partition));
        }

        if (effects.HasEvents)
        {
            commands.Add(Command("SELECT pg_advisory_xact_lock_shared($1)", PostgresSql.EventsLockKey));
            foreach (var e in effects.Events)
            {
                commands.Add(Command(PostgresSql.InsertEvent, e.Stream.Namespace, e.Stream.Key, e.Type, e.PayloadJson, e.Source.Type, e.Source.Key));
            }
        }

        commands.Add(new NpgsqlBatchCommand("COMMIT"));
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            _finished = true;
            if (effects.HasEvents)
            {
                notifier.EventsAppended();
            }

            if (effects.WakesWorkers)
            {
                notifier.JobsScheduled();
            }
        }
        catch (PostgresException e) when (e.SqlState == "OM409")
        {
            var index = e.BatchCommand is { } failed ? commands.IndexOf(failed) - firstWrite : 0;
            var write = writes[Math.Clamp(index, 0, writes.Count - 1)];
            throw new InconsistentStateException(write.GrainId, write.ExpectedVersion);
        }
        catch (PostgresException e) when (e is { SqlState: "23505", ConstraintName: "grains_pkey" })
        {
            // A first write lost the race against another silo's first write of the same grain.
            var index = e.BatchCommand is { } failed ? commands.IndexOf(failed) - firstWrite : 0;
            var write = writes[Math.Clamp(index, 0, writes.Count - 1)];
            throw new InconsistentStateException(write.GrainId, write.ExpectedVersion);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_begun && !_finished && connection.FullState == System.Data.ConnectionState.Open)
            {
                await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
                await rollback.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
        catch (NpgsqlException)
        {
            // A broken connection is discarded by the pool; the server rolls back.
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The first batch of the turn (a lock or a read) opens the transaction; a guard runs before any row is locked.</summary>
    private NpgsqlBatch StartBatch(TurnGuard? guard)
    {
        var batch = new NpgsqlBatch(connection);
        if (!_begun)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
            _begun = true;
        }

        if (guard is not null)
        {
            batch.BatchCommands.Add(GuardCommand(guard));
        }

        return batch;
    }

    /// <summary>Reads the guard's result set (if any) and moves to the lock's; false when the guard matched no row.</summary>
    private static async Task<bool> ReadGuardAsync(NpgsqlDataReader reader, TurnGuard? guard, CancellationToken cancellationToken)
    {
        if (guard is null)
        {
            return true;
        }

        var passed = false;
        (guard as CompleteJobsGuard)?.Completed.Clear();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            passed = true;
            if (guard is CompleteJobsGuard jobs)
            {
                jobs.Completed.Add(reader.GetGuid(0));
            }
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        return passed;
    }

    private static NpgsqlBatchCommand GuardCommand(TurnGuard guard) => guard switch
    {
        CompleteJobsGuard c => Command(PostgresSql.CompleteJobsGuard,
            c.Jobs.Select(j => j.JobId).ToArray(),
            c.Jobs.Select(j => JobStatusNames.ForOutcome(j.Outcome.Status)).ToArray(),
            c.Jobs.Select(j => JobStatusNames.OutcomeName(j.Outcome.Status)).ToArray(),
            c.Jobs.Select(j => j.Outcome.ResultJson).ToArray(),
            c.Jobs.Select(j => j.Outcome.Error).ToArray(),
            c.Owner),
        AdvanceReminderGuard r => Command(PostgresSql.AdvanceReminderGuard, r.Reminder.GrainId.Type, r.Reminder.GrainId.Key, r.Reminder.Name, r.Owner),
        _ => throw new NotSupportedException(guard.GetType().Name),
    };
}
