using Npgsql;
using static Orleans.Media.Runtime.Stores.Postgres.PostgresParameters;

namespace Orleans.Media.Runtime.Stores.Postgres;

/// <summary>
/// Registers nonces in micro-batches: every registration waiting while the previous batch was in flight goes into
/// ONE multi-row INSERT ... ON CONFLICT ... RETURNING, in one transaction with synchronous_commit off (one round
/// trip, no WAL flush wait). Each caller learns from RETURNING whether ITS nonce was new. Uniqueness is still
/// decided by the primary key, so a replay is refused on every silo; the cost is that a database crash may forget
/// the nonces registered in its last few hundred milliseconds (documented in the README).
/// </summary>
internal sealed class PostgresNonceBatcher(NpgsqlDataSource dataSource) : PostgresMicroBatcher<PostgresNonceBatcher.Pending>(maxBatch: 512, loops: 1)
{
    private const int MaxAttempts = 5;

    public Task<bool> RegisterAsync(string scope, string nonce, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var pending = new Pending(scope, nonce, expiresAt.ToUniversalTime(), new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        Enqueue(pending);

        // A cancelled caller stops waiting; its nonce may still be registered (as with any cancelled write).
        return pending.Result.Task.WaitAsync(cancellationToken);
    }

    protected override async Task FlushAsync(List<Pending> batch)
    {
        // Duplicates in one statement would make ON CONFLICT DO UPDATE fail; the first of a key is sent, the
        // others are replays of it. Sorted so concurrent batches of two silos lock keys in the same order.
        var groups = batch.GroupBy(p => (p.Scope, p.Nonce)).OrderBy(g => g.Key.Scope, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Nonce, StringComparer.Ordinal).ToList();
        var firsts = groups.Select(g => g.First()).ToList();
        var inserted = await InsertAsync(firsts).ConfigureAwait(false);
        foreach (var g in groups)
        {
            var first = true;
            foreach (var p in g)
            {
                p.Result.TrySetResult(first && inserted.Contains((p.Scope, p.Nonce)));
                first = false;
            }
        }
    }

    private async Task<HashSet<(string, string)>> InsertAsync(List<Pending> rows)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var conn = await dataSource.OpenConnectionAsync(Stopping).ConfigureAwait(false);
                await using var cmd = new NpgsqlBatch(conn)
                {
                    BatchCommands =
                    {
                        new NpgsqlBatchCommand("BEGIN"),
                        new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"),
                        Command(PostgresSql.RegisterNonces, rows.Select(r => r.Scope).ToArray(), rows.Select(r => r.Nonce).ToArray(),
                            rows.Select(r => r.ExpiresAt).ToArray()),
                        new NpgsqlBatchCommand("COMMIT"),
                    },
                };
                var inserted = new HashSet<(string, string)>();
                await using var reader = await cmd.ExecuteReaderAsync(Stopping).ConfigureAwait(false);
                while (reader.FieldCount != 2)   // BEGIN and SET return no rows; the INSERT's RETURNING has two columns
                {
                    if (!await reader.NextResultAsync(Stopping).ConfigureAwait(false))
                    {
                        break;
                    }
                }

                while (await reader.ReadAsync(Stopping).ConfigureAwait(false))
                {
                    inserted.Add((reader.GetString(0), reader.GetString(1)));
                }

                while (await reader.NextResultAsync(Stopping).ConfigureAwait(false))
                {
                }

                return inserted;
            }
            catch (PostgresException ex) when (ex.SqlState is "40P01" or "40001" && attempt < MaxAttempts)
            {
                // Nothing was committed; the whole batch is retried.
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), Stopping).ConfigureAwait(false);
            }
        }
    }

    internal sealed record Pending(string Scope, string Nonce, DateTimeOffset ExpiresAt, TaskCompletionSource<bool> Result) : IBatchItem
    {
        public void Fail(Exception error) => Result.TrySetException(error);
    }
}
