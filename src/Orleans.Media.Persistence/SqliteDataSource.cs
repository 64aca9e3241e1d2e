using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Orleans.Media.Persistence;

/// <summary>
/// Connections to the SQLite file, each opened with the settings this project relies on; Orleans' ADO.NET providers
/// take it as their DataSource, so their connections get them too.
/// <list type="bullet">
/// <item>SQLite's own busy timeout: without it, a writer that finds the file locked is retried by
/// Microsoft.Data.Sqlite after a blocking 150 ms sleep; with it, SQLite waits for the lock in short steps.</item>
/// <item><c>synchronous = NORMAL</c> (WAL): a commit does not wait for the disk; a process crash loses nothing, a
/// power loss may lose the last commits (never corrupts). With FULL, every grain write waited for an fsync: 125
/// writes/s on this machine's disk instead of ~900 (SqliteConcurrencyTests), as the old runtime's store also chose.</item>
/// </list>
/// </summary>
internal sealed class SqliteDataSource(string connectionString) : DbDataSource
{
    /// <summary>Longer than any write holds the lock; a wait this long is a failure worth surfacing.</summary>
    private const int BusyTimeoutMs = 30_000;

    public override string ConnectionString => connectionString;

    protected override DbConnection CreateDbConnection() => new SqliteConnection(connectionString);

    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default)
    {
        // SQLite creates the file, not its directory (a fresh data directory).
        var directory = Path.GetDirectoryName(new SqliteConnectionStringBuilder(connectionString).DataSource);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var conn = new SqliteConnection(connectionString);
        try
        {
            await conn.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var pragma = conn.CreateCommand();
            pragma.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return conn;
        }
        catch
        {
            await conn.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    protected override DbConnection OpenDbConnection() => OpenDbConnectionAsync().AsTask().GetAwaiter().GetResult();
}
