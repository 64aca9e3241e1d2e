using Microsoft.Data.Sqlite;
using Orleans.Media.Runtime.Core;

namespace Orleans.Media.Runtime.Stores.Sqlite;

/// <summary>A turn on SQLite: the process-wide write gate plus BEGIN IMMEDIATE make it the only writer.</summary>
internal sealed class SqliteTurnTransaction(SqliteStore store, SqliteConnection connection, SqliteShared shared) : ITurnTransaction
{
    private bool _finished;

    public async Task<(bool GuardPassed, GrainRecord? Record)> LockGrainAsync(
        GrainId grainId, long cachedVersion, TurnGuard? guard, CancellationToken cancellationToken)
    {
        if (!await RunGuardAsync(guard, cancellationToken).ConfigureAwait(false))
        {
            return (false, null);
        }

        return (true, await ReadGrainAsync(grainId, cachedVersion, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The transaction is the only writer already (BEGIN IMMEDIATE): reading the rows is locking them.</summary>
    public async Task<(bool GuardPassed, IReadOnlyList<GrainRecord?> Records)> LockGrainsAsync(
        IReadOnlyList<(GrainId GrainId, long CachedVersion)> grains, TurnGuard? guard, CancellationToken cancellationToken)
    {
        if (!await RunGuardAsync(guard, cancellationToken).ConfigureAwait(false))
        {
            return (false, []);
        }

        var records = new GrainRecord?[grains.Count];
        for (var i = 0; i < grains.Count; i++)
        {
            records[i] = await ReadGrainAsync(grains[i].GrainId, grains[i].CachedVersion, cancellationToken).ConfigureAwait(false);
        }

        return (true, records);
    }

    private async Task<bool> RunGuardAsync(TurnGuard? guard, CancellationToken cancellationToken)
    {
        var now = store.Now;
        if (guard is CompleteJobsGuard jobs)
        {
            jobs.Completed.Clear();
            foreach (var (jobId, outcome) in jobs.Jobs)
            {
                await using var g = connection.Command(
                    "UPDATE jobs SET status = $status, outcome = $outcome, result = $result, error = $error, lease_owner = NULL, lease_until = NULL, " +
                    "updated_at = $now WHERE id = $id AND lease_owner = $owner AND status = 'running'",
                    ("$id", jobId.ToString()), ("$owner", jobs.Owner), ("$status", JobStatusNames.ForOutcome(outcome.Status)),
                    ("$outcome", JobStatusNames.OutcomeName(outcome.Status)), ("$result", outcome.ResultJson), ("$error", outcome.Error), ("$now", now));
                if (await g.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
                {
                    jobs.Completed.Add(jobId);
                }
            }

            return jobs.Completed.Count > 0;
        }

        if (guard is AdvanceReminderGuard r)
        {
            await using var g = connection.Command(
                "UPDATE reminders SET due_at = $now + period_ms, lease_owner = NULL, lease_until = NULL, failures = 0 " +
                "WHERE grain_type = $t AND grain_key = $k AND name = $n AND lease_owner = $owner",
                ("$t", r.Reminder.GrainId.Type), ("$k", r.Reminder.GrainId.Key), ("$n", r.Reminder.Name), ("$owner", r.Owner), ("$now", now));
            return await g.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }

        return true;
    }

    public async Task<GrainRecord?> ReadGrainAsync(GrainId grainId, long cachedVersion, CancellationToken cancellationToken)
    {
        await using var cmd = connection.Command(
            "SELECT version, partition_key, CASE WHEN version = $v THEN NULL ELSE state END FROM grains WHERE grain_type = $t AND grain_key = $k",
            ("$t", grainId.Type), ("$k", grainId.Key), ("$v", cachedVersion));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new GrainRecord(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    public async Task CommitAsync(IReadOnlyList<GrainWrite> writes, TurnEffects effects, CancellationToken cancellationToken)
    {
        var now = store.Now;
        foreach (var w in writes)
        {
            await using var cmd = w.ExpectedVersion == 0
                ? connection.Command(
                    "INSERT INTO grains (grain_type, grain_key, version, partition_key, state, updated_at) VALUES ($t, $k, 1, $p, $s, $now) ON CONFLICT DO NOTHING",
                    ("$t", w.GrainId.Type), ("$k", w.GrainId.Key), ("$p", w.Partition), ("$s", w.StateJson), ("$now", now))
                : connection.Command(
                    "UPDATE grains SET version = version + 1, partition_key = $p, state = $s, updated_at = $now WHERE grain_type = $t AND grain_key = $k AND version = $v",
                    ("$t", w.GrainId.Type), ("$k", w.GrainId.Key), ("$p", w.Partition), ("$s", w.StateJson), ("$now", now), ("$v", w.ExpectedVersion));
            if (await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                throw new InconsistentStateException(w.GrainId, w.ExpectedVersion);
            }
        }

        foreach (var j in effects.Jobs)
        {
            await using var cmd = connection.Command(
                "INSERT INTO jobs (id, grain_type, grain_key, kind, partition_key, payload, status, max_attempts, due_at, created_at, updated_at) " +
                "VALUES ($id, $t, $k, $kind, $p, $payload, 'queued', $max, $due, $now, $now)",
                ("$id", j.Id.ToString()), ("$t", j.GrainId.Type), ("$k", j.GrainId.Key), ("$kind", j.Kind), ("$p", j.Partition), ("$payload", j.PayloadJson),
                ("$max", j.MaxAttempts), ("$due", now + (long)j.Delay.TotalMilliseconds), ("$now", now));
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var id in effects.JobCancels)
        {
            await using var cmd = connection.Command(
                "UPDATE jobs SET status = 'cancelled', updated_at = $now WHERE id = $id AND status IN ('queued', 'running')", ("$id", id.ToString()), ("$now", now));
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var r in effects.Reminders)
        {
            await using var cmd = r.Period is { } period
                ? connection.Command(
                    "INSERT INTO reminders (grain_type, grain_key, name, period_ms, first_due_at, due_at) VALUES ($t, $k, $n, $period, $due, $due) " +
                    "ON CONFLICT (grain_type, grain_key, name) DO UPDATE SET period_ms = excluded.period_ms, first_due_at = excluded.first_due_at, " +
                    "due_at = excluded.due_at, lease_owner = NULL, lease_until = NULL, failures = 0",
                    ("$t", r.GrainId.Type), ("$k", r.GrainId.Key), ("$n", r.Name), ("$period", (long)period.TotalMilliseconds),
                    ("$due", now + (long)r.DueTime.TotalMilliseconds))
                : connection.Command("DELETE FROM reminders WHERE grain_type = $t AND grain_key = $k AND name = $n",
                    ("$t", r.GrainId.Type), ("$k", r.GrainId.Key), ("$n", r.Name));
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var l in effects.PartitionLimits)
        {
            await using var cmd = l.MaxRunning is { } max
                ? connection.Command(
                    "INSERT INTO job_partition_limits (partition_key, max_running, updated_at) VALUES ($p, $max, $now) " +
                    "ON CONFLICT (partition_key) DO UPDATE SET max_running = excluded.max_running, updated_at = excluded.updated_at",
                    ("$p", l.Partition), ("$max", max), ("$now", now))
                : connection.Command("DELETE FROM job_partition_limits WHERE partition_key = $p", ("$p", l.Partition));
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var e in effects.Events)
        {
            await using var cmd = connection.Command(
                "INSERT INTO events (stream_ns, stream_key, type, payload, source_type, source_key, created_at) VALUES ($ns, $key, $type, $payload, $st, $sk, $now)",
                ("$ns", e.Stream.Namespace), ("$key", e.Stream.Key), ("$type", e.Type), ("$payload", e.PayloadJson), ("$st", e.Source.Type),
                ("$sk", e.Source.Key), ("$now", now));
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var commit = connection.Command("COMMIT"))
        {
            await commit.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        _finished = true;
        if (effects.HasEvents)
        {
            shared.EventsAppended.Pulse();
        }

        if (effects.WakesWorkers)
        {
            shared.JobsScheduled.Pulse();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_finished)
            {
                await using var rollback = connection.Command("ROLLBACK");
                await rollback.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
        catch (SqliteException)
        {
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            shared.WriteGate.Release();
        }
    }
}
