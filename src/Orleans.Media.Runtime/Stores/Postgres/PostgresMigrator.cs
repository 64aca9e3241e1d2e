using Npgsql;

namespace Orleans.Media.Runtime.Stores.Postgres;

/// <summary>Applies the embedded scripts newer than schema_version, one transaction each, under an advisory lock
/// so silos starting together migrate once.</summary>
internal static class PostgresMigrator
{
    public static async Task MigrateAsync(NpgsqlConnection conn, CancellationToken cancellationToken)
    {
        await Execute(conn, $"SELECT pg_advisory_lock({PostgresSql.MigrationLockKey})", cancellationToken).ConfigureAwait(false);
        try
        {
            await Execute(conn, "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                cancellationToken).ConfigureAwait(false);
            await using var current = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_version", conn);
            var version = (int)(await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            foreach (var (v, sql) in SchemaScripts.Load("Postgres").Where(s => s.Version > version))
            {
                await using var tx = await conn.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (var script = new NpgsqlCommand(sql, conn, tx))
                {
                    await script.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using (var record = new NpgsqlCommand($"INSERT INTO schema_version (version) VALUES ({v})", conn, tx))
                {
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await Execute(conn, $"SELECT pg_advisory_unlock({PostgresSql.MigrationLockKey})", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task Execute(NpgsqlConnection conn, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
