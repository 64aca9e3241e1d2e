using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Orleans.Media.Persistence;

public enum DatabaseKind
{
    Postgres,
    Sqlite,
}

/// <summary>
/// The one relational database of a deployment: PostgreSQL for a cluster, a SQLite file for the embedded single
/// silo. Orleans' ADO.NET providers, the listing index and the nonces all live in it. Disposing it closes its
/// pooled connections (a test that creates many; a silo's lives as long as the process).
/// </summary>
public sealed class MediaDatabase : IAsyncDisposable
{
    /// <summary>Statements each pooled PostgreSQL connection prepares automatically unless the connection string says otherwise.</summary>
    public const int DefaultMaxAutoPrepare = 32;

    /// <summary>Orleans' ADO.NET invariant for Npgsql.</summary>
    public const string PostgresInvariant = "Npgsql";

    /// <summary>Orleans' ADO.NET invariant that loads Microsoft.Data.Sqlite (its factory map says so).</summary>
    public const string SqliteInvariant = "System.Data.SQLite";

    private MediaDatabase(DatabaseKind kind, string connectionString)
    {
        Kind = kind;
        ConnectionString = connectionString;

        // One pool per database and process: Orleans' providers, the index, the nonces and listings share it, so a
        // silo's connections to PostgreSQL are bounded by one pool's size (not one pool per component).
        DataSource = kind == DatabaseKind.Postgres ? NpgsqlDataSource.Create(connectionString) : new SqliteDataSource(connectionString);
    }

    public DatabaseKind Kind { get; }

    public string ConnectionString { get; }

    /// <summary>Where every connection comes from, Orleans' ADO.NET providers' included (they are given it instead of
    /// the connection string): PostgreSQL, one Npgsql pool; SQLite, connections opened with the settings of
    /// <see cref="SqliteDataSource"/>.</summary>
    public DbDataSource DataSource { get; }

    /// <summary>The invariant name the Orleans ADO.NET providers are configured with.</summary>
    public string Invariant => Kind == DatabaseKind.Postgres ? PostgresInvariant : SqliteInvariant;

    public static MediaDatabase ForPostgres(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        // Parsing now turns a malformed setting into an error at start, not at the first query.
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);

        // Defaults for a silo's workload; a connection string that sets either keeps its own value.
        if (!given.Contains("MaxAutoPrepare"))
        {
            // Orleans' providers, the index and the nonces run the same few statements all day: prepared once per
            // connection they skip PostgreSQL's parse and plan (the runtime benchmark's durable writes gain ~15 %).
            builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }

        if (!given.Contains("NoResetOnClose"))
        {
            // Every command here borrows a pooled connection for one statement or one transaction. Npgsql's reset on
            // return (with prepared statements: CLOSE ALL, UNLISTEN *, pg_advisory_unlock_all(), DISCARD SEQUENCES,
            // DISCARD TEMP) doubled PostgreSQL's statements per request. Nothing here leaves session state behind:
            // settings are SET LOCAL (transaction-scoped), and no code listens, locks by session or makes temp tables.
            builder.NoResetOnClose = true;
        }

        return new MediaDatabase(DatabaseKind.Postgres, builder.ConnectionString);
    }

    public static MediaDatabase ForSqlite(string filePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path.GetFullPath(filePath),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,

            // Behind SQLite's own busy timeout (SqliteDataSource): Microsoft.Data.Sqlite's last-resort retry bound.
            DefaultTimeout = 30,
        };
        return new MediaDatabase(DatabaseKind.Sqlite, builder.ConnectionString);
    }

    /// <summary>An open connection from <see cref="DataSource"/>.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default) =>
        await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public override string ToString() => Kind == DatabaseKind.Postgres
        ? $"PostgreSQL {new NpgsqlConnectionStringBuilder(ConnectionString) { Password = null }.Host}"
        : $"SQLite {new SqliteConnectionStringBuilder(ConnectionString).DataSource}";
}
