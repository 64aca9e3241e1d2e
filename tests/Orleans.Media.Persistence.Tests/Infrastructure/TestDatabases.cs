using Npgsql;

namespace Orleans.Media.Persistence.Tests.Infrastructure;

/// <summary>A fresh database per test: a new PostgreSQL database on the test server (dropped at dispose) or a new
/// SQLite file in a temporary directory (deleted at dispose).</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly Func<ValueTask> _drop;

    private TestDatabase(MediaDatabase database, Func<ValueTask> drop)
    {
        Database = database;
        _drop = drop;
    }

    public MediaDatabase Database { get; }

    public static Task<TestDatabase> CreateAsync(DatabaseKind kind) =>
        kind == DatabaseKind.Postgres ? CreatePostgresAsync() : Task.FromResult(CreateSqlite());

    public static async Task<TestDatabase> CreatePostgresAsync()
    {
        var admin = PostgresServer;
        var name = "omp_" + Guid.NewGuid().ToString("N")[..12];
        await using (var conn = new NpgsqlConnection(admin))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
            await cmd.ExecuteNonQueryAsync();
        }

        var cs = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        return new TestDatabase(MediaDatabase.ForPostgres(cs), async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(admin);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        });
    }

    public static TestDatabase CreateSqlite()
    {
        var dir = Directory.CreateTempSubdirectory("omp-sqlite-");
        return new TestDatabase(MediaDatabase.ForSqlite(Path.Combine(dir.FullName, "data", "media.db")), () =>
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                dir.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A file still open by a stopping silo: the temp directory is cleaned by the OS.
            }

            return ValueTask.CompletedTask;
        });
    }

    /// <summary>The test server's admin connection string (deploy/test-env.sh). A missing server is a failure.</summary>
    public static string PostgresServer =>
        Environment.GetEnvironmentVariable("ORLEANSMEDIA_TEST_PG") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("ORLEANSMEDIA_TEST_PG is not set: first `source <(deploy/test-env.sh start)`.");

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        await _drop();
    }
}
