using Npgsql;
using Orleans.Media.Grains.FileUncompression;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// What the cluster database says about tasks, read directly (no silo involved): the listing index the task grains
/// keep (their state as JSON, minus secrets) and Orleans' grain storage table.
/// </summary>
internal static class StoredTasks
{
    private const string TaskType = FileUncompressionTaskGrain.GrainTypeName;

    /// <summary>The project's tasks holding an engine slot (Running) and those not ended yet (Queued or Running).</summary>
    public static async Task<(long Running, long Unfinished)> PhasesAsync(string connectionString, string project)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE state->>'Phase' = 'Running'), count(*) FILTER (WHERE state->>'Phase' IN ('Queued', 'Running')) " +
            "FROM grain_index WHERE grain_type = $1 AND partition_key = $2", connection)
        {
            Parameters = { new() { Value = TaskType }, new() { Value = project } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Running extractions per silo (the task's Worker), with how many of them have saved a checkpoint.</summary>
    public static async Task<IReadOnlyList<(string Worker, long Running, long Checkpointed)>> RunningByWorkerAsync(string connectionString)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(
            "SELECT state->>'Worker', count(*), count(*) FILTER (WHERE state->>'CheckpointSaved' = 'true') FROM grain_index " +
            "WHERE grain_type = $1 AND state->>'Phase' = 'Running' AND state->>'Worker' IS NOT NULL GROUP BY 1 ORDER BY 3 DESC, 2 DESC", connection)
        {
            Parameters = { new() { Value = TaskType } },
        };
        var rows = new List<(string, long, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return rows;
    }

    /// <summary>Tasks whose extraction needed more than one attempt.</summary>
    public static async Task<long> RetriedAsync(string connectionString)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM grain_index WHERE grain_type = $1 AND (state->>'Attempts')::int > 1", connection)
        {
            Parameters = { new() { Value = TaskType } },
        };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The project's tasks in the listing index.</summary>
    public static async Task<long> IndexedAsync(string connectionString, string project)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM grain_index WHERE grain_type = $1 AND partition_key = $2", connection)
        {
            Parameters = { new() { Value = TaskType }, new() { Value = project } },
        };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The task's Status as its index copy holds it.</summary>
    public static async Task<string?> StatusAsync(string connectionString, string taskId)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand("SELECT state->>'Status' FROM grain_index WHERE grain_type = $1 AND grain_key = $2", connection)
        {
            Parameters = { new() { Value = TaskType }, new() { Value = taskId } },
        };
        return await command.ExecuteScalarAsync() as string;
    }

    /// <summary>How many of these grains still have a stored state in Orleans' grain storage (a cleared one has none).</summary>
    public static async Task<long> StoredStatesAsync(string connectionString, IReadOnlyList<string> keys)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM orleans_storage WHERE grain_key = ANY($1) AND payload IS NOT NULL", connection)
        {
            Parameters = { new() { Value = keys.Select(StorageKey).ToArray() } },
        };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The key a task's state row has in Orleans' storage table: the persistence keys rows by the full grain id.</summary>
    public static string StorageKey(string taskId) => $"~{TaskType}/{taskId}";

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }
}
