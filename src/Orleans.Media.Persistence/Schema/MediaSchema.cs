using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Orleans.Media.Persistence.Schema;

/// <summary>
/// Creates and migrates the database: the embedded scripts (Schema/&lt;Kind&gt;/NNN_name.sql) newer than the
/// highest row of <c>schema_version</c> run in order, each in its own transaction with its version row. Idempotent,
/// and safe when several silos start together: PostgreSQL serializes migrators with a session advisory lock,
/// SQLite with <c>BEGIN IMMEDIATE</c> (the single writer lock).
/// </summary>
public static partial class MediaSchema
{
    /// <summary>Arbitrary, fixed: the advisory lock key of migrations ("OMschema").</summary>
    private const long MigrationLockKey = 0x4F4D_7363_6865_6D61;

    /// <summary>The highest script version embedded for a database kind (what a migrated database reports).</summary>
    public static int LatestVersion(DatabaseKind kind) => Scripts(kind).Max(s => s.Version);

    /// <summary>Applies the missing scripts; returns how many this call applied (0 when already current).</summary>
    public static Task<int> MigrateAsync(MediaDatabase database, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        logger ??= NullLogger.Instance;
        return database.Kind == DatabaseKind.Postgres
            ? MigratePostgresAsync(database, logger, cancellationToken)
            : MigrateSqliteAsync(database, logger, cancellationToken);
    }

    /// <summary>The version the database is at (0 when it has never been migrated).</summary>
    public static async Task<int> CurrentVersionAsync(MediaDatabase database, CancellationToken cancellationToken = default)
    {
        await using var conn = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var exists = database.Kind == DatabaseKind.Postgres
            ? "SELECT to_regclass('schema_version') IS NOT NULL"
            : "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";
        if (!Convert.ToBoolean(await ScalarAsync(conn, null, exists, cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture))
        {
            return 0;
        }

        return await ReadVersionAsync(conn, null, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> MigratePostgresAsync(MediaDatabase database, ILogger logger, CancellationToken cancellationToken)
    {
        // Unpooled: the advisory lock belongs to the session, and a pooled session that failed to unlock would keep
        // it for whoever borrows the connection next.
        var cs = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false };
        await using var conn = new NpgsqlConnection(cs.ConnectionString);
        await conn.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(conn, null, $"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(conn, null,
                "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                cancellationToken).ConfigureAwait(false);
            return await ApplyAsync(database.Kind, conn, logger, static (c, ct) => BeginAsync(c, null, ct), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await ExecuteAsync(conn, null, $"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<int> MigrateSqliteAsync(MediaDatabase database, ILogger logger, CancellationToken cancellationToken)
    {
        await using var conn = await database.OpenAsync(cancellationToken).ConfigureAwait(false);

        // WAL is a property of the file (set once, kept): readers never block the writer and vice versa.
        await ExecuteAsync(conn, null, "PRAGMA journal_mode = WAL", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(conn, null,
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)",
            cancellationToken).ConfigureAwait(false);
        return await ApplyAsync(database.Kind, conn, logger, static (c, ct) => BeginAsync(c, "BEGIN IMMEDIATE", ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Each script in its own transaction, the version re-read inside it (another migrator may have run).</summary>
    private static async Task<int> ApplyAsync(DatabaseKind kind, DbConnection conn, ILogger logger,
        Func<DbConnection, CancellationToken, Task<Transaction>> begin, CancellationToken cancellationToken)
    {
        var applied = 0;
        foreach (var (version, name, sql) in Scripts(kind))
        {
            await using var tx = await begin(conn, cancellationToken).ConfigureAwait(false);
            if (await ReadVersionAsync(conn, tx.Db, cancellationToken).ConfigureAwait(false) >= version)
            {
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            await ExecuteAsync(conn, tx.Db, sql, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(conn, tx.Db, $"INSERT INTO schema_version (version) VALUES ({version.ToString(CultureInfo.InvariantCulture)})",
                cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            applied++;
            LogApplied(logger, name, kind);
        }

        return applied;
    }

    private static async Task<int> ReadVersionAsync(DbConnection conn, DbTransaction? tx, CancellationToken cancellationToken) =>
        Convert.ToInt32(await ScalarAsync(conn, tx, "SELECT coalesce(max(version), 0) FROM schema_version", cancellationToken).ConfigureAwait(false),
            CultureInfo.InvariantCulture);

    private static async Task<Transaction> BeginAsync(DbConnection conn, string? sqliteBegin, CancellationToken cancellationToken)
    {
        if (sqliteBegin is null)
        {
            return new Transaction(conn, await conn.BeginTransactionAsync(cancellationToken).ConfigureAwait(false));
        }

        // Microsoft.Data.Sqlite's BeginTransaction is deferred; IMMEDIATE takes the write lock before reading the
        // version, so two migrators cannot both decide to apply the same script.
        await ExecuteAsync(conn, null, sqliteBegin, cancellationToken).ConfigureAwait(false);
        return new Transaction(conn, null);
    }

    private static async Task ExecuteAsync(DbConnection conn, DbTransaction? tx, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(DbConnection conn, DbTransaction? tx, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private static IReadOnlyList<(int Version, string Name, string Sql)> Scripts(DatabaseKind kind)
    {
        var prefix = kind + ".";
        var assembly = typeof(MediaSchema).Assembly;
        var scripts = new List<(int, string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var file = resource[prefix.Length..];
            var version = int.Parse(file[..file.IndexOf('_', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            scripts.Add((version, file, reader.ReadToEnd()));
        }

        return scripts.OrderBy(s => s.Item1).ToList();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied schema migration {Script} ({Kind})")]
    private static partial void LogApplied(ILogger logger, string script, DatabaseKind kind);

    /// <summary>A migration transaction: an ADO.NET one (PostgreSQL) or a raw BEGIN IMMEDIATE ... COMMIT (SQLite).</summary>
    private sealed class Transaction(DbConnection conn, DbTransaction? db) : IAsyncDisposable
    {
        private bool _done;

        public DbTransaction? Db => db;

        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            if (db is not null)
            {
                await db.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await ExecuteAsync(conn, null, "COMMIT", cancellationToken).ConfigureAwait(false);
            }

            _done = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (db is not null)
            {
                await db.DisposeAsync().ConfigureAwait(false);
            }
            else if (!_done)
            {
                await ExecuteAsync(conn, null, "ROLLBACK", CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
