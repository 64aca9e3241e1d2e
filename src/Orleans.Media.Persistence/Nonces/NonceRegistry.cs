using Microsoft.Data.Sqlite;
using Npgsql;

namespace Orleans.Media.Persistence.Nonces;

/// <summary>
/// The nonces table. Uniqueness is the primary key's: two silos registering the same nonce at once, one wins.
/// An expired registration is replaced in the same statement (the upsert's condition), so a purge is only
/// housekeeping. PostgreSQL: the insert commits without waiting for the WAL flush (synchronous_commit off for that
/// transaction): a database crash may forget the nonces of its last few hundred milliseconds, a signed request
/// then replayable within its short validity window — the price of not putting a disk flush on every request.
/// </summary>
internal sealed class NonceRegistry(MediaDatabase database, TimeProvider time) : INonceRegistry
{
    private readonly NpgsqlDataSource? _pg = database.DataSource as NpgsqlDataSource;

    public async Task<bool> TryRegisterAsync(string scope, string nonce, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scope);
        ArgumentException.ThrowIfNullOrEmpty(nonce);
        var now = time.GetUtcNow();
        if (_pg is not null)
        {
            await using var conn = await _pg.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(conn)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("BEGIN"),
                    new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"),
                    new NpgsqlBatchCommand(
                        "INSERT INTO nonces (scope, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT (scope, nonce) DO UPDATE " +
                        "SET expires_at = excluded.expires_at WHERE nonces.expires_at <= $4 RETURNING 1")
                    {
                        Parameters =
                        {
                            new NpgsqlParameter { Value = scope },
                            new NpgsqlParameter { Value = nonce },
                            new NpgsqlParameter { Value = expiresAt.ToUniversalTime() },
                            new NpgsqlParameter { Value = now.ToUniversalTime() },
                        },
                    },
                    new NpgsqlBatchCommand("COMMIT"),
                },
            };
            var inserted = 0;
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                do
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        inserted++;
                    }
                }
                while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
            }

            return inserted == 1;
        }

        await using var sqlite = (SqliteConnection)await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = sqlite.CreateCommand();
        cmd.CommandText = "INSERT INTO nonces (scope, nonce, expires_at) VALUES ($s, $n, $e) ON CONFLICT (scope, nonce) DO UPDATE " +
            "SET expires_at = excluded.expires_at WHERE nonces.expires_at <= $now";
        cmd.Parameters.AddWithValue("$s", scope);
        cmd.Parameters.AddWithValue("$n", nonce);
        cmd.Parameters.AddWithValue("$e", expiresAt.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Deletes the expired registrations; returns how many.</summary>
    public async Task<int> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        await using var conn = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = conn.CreateCommand();
        var now = time.GetUtcNow();
        var p = cmd.CreateParameter();
        p.ParameterName = database.Kind == DatabaseKind.Postgres ? "now" : "$now";
        p.Value = database.Kind == DatabaseKind.Postgres ? now.ToUniversalTime() : now.ToUnixTimeMilliseconds();
        cmd.Parameters.Add(p);
        cmd.CommandText = database.Kind == DatabaseKind.Postgres
            ? "DELETE FROM nonces WHERE expires_at <= @now"
            : "DELETE FROM nonces WHERE expires_at <= $now";
        return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
