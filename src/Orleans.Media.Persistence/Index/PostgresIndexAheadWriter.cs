using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;

namespace Orleans.Media.Persistence.Index;

/// <summary>
/// Index rows written ahead (committed without waiting for the WAL flush) go to PostgreSQL together: every row that
/// arrives while one transaction is in flight waits for the next, which writes them all with one statement. Under
/// load (every task creation writes its queue entry ahead) that is one transaction for many rows instead of one
/// each, and PostgreSQL's per-transaction work was a third of a creation's database cost. Each caller's task
/// completes when the transaction holding its row has committed, so a caller's next write still follows its row.
/// A row appears once per statement (PostgreSQL refuses to update a row twice in one upsert): of one key's rows
/// in a batch, the highest version is written, the later one on a tie — what writing them in turn would leave.
/// A failed batch is written again row by row, so one bad row fails its own caller only.
/// </summary>
internal sealed class PostgresIndexAheadWriter(NpgsqlDataSource data)
{
    /// <summary>Rows per statement at most: bounds the statement's size; a backlog beyond it goes in the next.</summary>
    internal const int MaxBatch = 256;

    private const string UpsertManySql =
        "INSERT INTO grain_index AS g (grain_type, grain_key, partition_key, version, state) " +
        "SELECT u.t, u.k, u.p, u.v, u.s::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[]) AS u(t, k, p, v, s) " +
        PostgresIndexStore.OnConflictKeepNewest;

    private readonly ConcurrentQueue<Pending> _queue = new();
    private int _writing;

    public Task WriteAsync(GrainIndexEntry entry, CancellationToken cancellationToken)
    {
        var pending = new Pending(entry, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _queue.Enqueue(pending);
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            _ = Task.Run(DrainAsync, CancellationToken.None);
        }

        // A cancelled caller stops waiting; its row may still be written, as with any write cancelled in flight.
        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>One writer at a time: writes what has queued up, until the queue is empty.</summary>
    private async Task DrainAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (true)
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.TryDequeue(out var next))
            {
                batch.Add(next);
            }

            if (batch.Count == 0)
            {
                Volatile.Write(ref _writing, 0);
                // A row queued after the last TryDequeue and before the flag dropped found the writer busy: take it.
                if (_queue.IsEmpty || Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
                {
                    return;
                }

                continue;
            }

            await WriteBatchAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        try
        {
            await UpsertAsync(Rows(batch)).ConfigureAwait(false);
            foreach (var p in batch)
            {
                p.Done.TrySetResult();
            }
        }
        catch (Exception) when (batch.Count > 1)
        {
            // One row may be at fault (or the database went away): each row alone, each caller its own outcome.
            foreach (var p in batch)
            {
                try
                {
                    await UpsertAsync([p.Entry]).ConfigureAwait(false);
                    p.Done.TrySetResult();
                }
                catch (Exception e)
                {
                    p.Done.TrySetException(e);
                }
            }
        }
        catch (Exception e)
        {
            batch[0].Done.TrySetException(e);
        }
    }

    /// <summary>The rows of a batch with each key once: its highest version, the last queued on a tie.</summary>
    internal static List<GrainIndexEntry> Rows(IReadOnlyList<Pending> batch)
    {
        var rows = new Dictionary<(string Type, string Key), GrainIndexEntry>(batch.Count);
        foreach (var p in batch)
        {
            var key = (p.Entry.GrainType, p.Entry.Key);
            if (!rows.TryGetValue(key, out var kept) || p.Entry.Version >= kept.Version)
            {
                rows[key] = p.Entry;
            }
        }

        return [.. rows.Values];
    }

    private async Task UpsertAsync(List<GrainIndexEntry> rows)
    {
        await using var batch = data.CreateBatch();
        // One round trip: the transaction, its commit mode and the upsert.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(UpsertManySql)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = rows.Select(r => r.GrainType).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter { Value = rows.Select(r => r.Key).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter { Value = rows.Select(r => r.Partition).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter { Value = rows.Select(r => r.Version).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                new NpgsqlParameter { Value = rows.Select(r => r.StateJson).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    internal sealed record Pending(GrainIndexEntry Entry, TaskCompletionSource Done);
}
