using Npgsql;
using static Orleans.Media.Runtime.Stores.Postgres.PostgresParameters;

namespace Orleans.Media.Runtime.Stores.Postgres;

/// <summary>
/// Snapshot reads ([ReadOnly] calls) in micro-batches: the reads queued while the previous batches were in flight go
/// into ONE query over all their grains. Every read is answered by a query sent after the read was asked, so it sees
/// every turn committed before it began (read-your-writes holds across silos), at a fraction of the round trips
/// when many requests read at once. Two batches may be in flight, so a batch never waits for a slow one.
/// </summary>
internal sealed class PostgresGrainReader(NpgsqlDataSource dataSource) : PostgresMicroBatcher<PostgresGrainReader.Pending>(maxBatch: 256, loops: 2)
{
    public Task<GrainRecord?> ReadAsync(GrainId grainId, long cachedVersion, CancellationToken cancellationToken)
    {
        var pending = new Pending(grainId, cachedVersion, new TaskCompletionSource<GrainRecord?>(TaskCreationOptions.RunContinuationsAsynchronously));
        Enqueue(pending);

        return cancellationToken.CanBeCanceled ? pending.Result.Task.WaitAsync(cancellationToken) : pending.Result.Task;
    }

    protected override async Task FlushAsync(List<Pending> batch)
    {
        // One row per grain: readers of the same grain share it. The state text is left out only when every one of
        // them already holds the stored version.
        var groups = batch.GroupBy(p => p.GrainId).ToList();
        var types = new string[groups.Count];
        var keys = new string[groups.Count];
        var cached = new long[groups.Count];
        for (var i = 0; i < groups.Count; i++)
        {
            types[i] = groups[i].Key.Type;
            keys[i] = groups[i].Key.Key;
            var first = groups[i].First().CachedVersion;
            cached[i] = groups[i].All(p => p.CachedVersion == first) ? first : -1;
        }

        var records = new GrainRecord?[groups.Count];
        await using (var cmd = dataSource.CreateCommand(PostgresSql.ReadGrains))
        {
            cmd.Add(types, keys, cached);
            await using var reader = await cmd.ExecuteReaderAsync(Stopping).ConfigureAwait(false);
            while (await reader.ReadAsync(Stopping).ConfigureAwait(false))
            {
                records[(int)reader.GetInt64(0) - 1] = PostgresSql.ReadRecord(reader, first: 1);
            }
        }

        for (var i = 0; i < groups.Count; i++)
        {
            foreach (var p in groups[i])
            {
                p.Result.TrySetResult(records[i]);
            }
        }
    }

    internal sealed record Pending(GrainId GrainId, long CachedVersion, TaskCompletionSource<GrainRecord?> Result) : IBatchItem
    {
        public void Fail(Exception error) => Result.TrySetException(error);
    }
}
