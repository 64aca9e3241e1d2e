using Microsoft.Data.Sqlite;
using Npgsql;
using Orleans.Media.Runtime.Stores;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests;

/// <summary>Reads the cluster's store directly, to check what a turn left behind.</summary>
internal static class StoreProbe
{
    public static async Task<long> CountAsync(TestCluster cluster, string table, string grainKey)
    {
        var column = table == "events" ? "source_key" : "grain_key";
        var sql = $"SELECT count(*) FROM {table} WHERE {column} = @k";
        if (cluster.Store == TestStore.Postgres)
        {
            await using var conn = new NpgsqlConnection(cluster.PostgresConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(sql, conn);
            cmd.Parameters.AddWithValue("k", grainKey);
            return (long)(await cmd.ExecuteScalarAsync())!;
        }

        await using var sqlite = new SqliteConnection($"Data Source={cluster.SqlitePath}");
        await sqlite.OpenAsync();
        await using var c = sqlite.CreateCommand();
        c.CommandText = sql;
        c.Parameters.AddWithValue("@k", grainKey);
        return (long)(await c.ExecuteScalarAsync())!;
    }

    /// <summary>The partition's row in job_partition_limits (null: no row).</summary>
    public static async Task<int?> PartitionLimitAsync(TestCluster cluster, string partition)
    {
        const string sql = "SELECT max_running FROM job_partition_limits WHERE partition_key = @p";
        if (cluster.Store == TestStore.Postgres)
        {
            await using var conn = new NpgsqlConnection(cluster.PostgresConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(sql, conn);
            cmd.Parameters.AddWithValue("p", partition);
            return await cmd.ExecuteScalarAsync() is int n ? n : null;
        }

        await using var sqlite = new SqliteConnection($"Data Source={cluster.SqlitePath}");
        await sqlite.OpenAsync();
        await using var c = sqlite.CreateCommand();
        c.CommandText = sql;
        c.Parameters.AddWithValue("@p", partition);
        return await c.ExecuteScalarAsync() is long l ? (int)l : null;
    }

    public static IRuntimeStore Store(TestSilo silo) => (IRuntimeStore)silo.Services.GetService(typeof(IRuntimeStore))!;
}
