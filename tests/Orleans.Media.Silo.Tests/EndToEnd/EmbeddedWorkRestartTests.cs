using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Testing;
using Xunit.Abstractions;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// The embedded default (no connection string: SQLite and folders in the data directory) keeps unfinished work
/// across a restart (issue 10): with a project running one extraction at a time, the silo is stopped while one task
/// runs (with a checkpoint saved) and the others wait; started again on the same data directory, the queued tasks
/// run and the task that was running resumes from its checkpoint and finishes. Every output equals bsdtar's.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed partial class EmbeddedWorkRestartTests(ITestOutputHelper output) : IDisposable
{
    private const int Tasks = 3;
    private readonly ArchiveFactory _archives = new();

    [Fact]
    public Task Queued_and_running_work_survives_a_graceful_stop_of_the_embedded_silo() =>
        StopMidWorkAndRestartAsync(graceful: true);

    [Fact]
    public Task Queued_and_running_work_survives_kill_9_of_the_embedded_silo() =>
        StopMidWorkAndRestartAsync(graceful: false);

    /// <summary>
    /// Short tasks end one after another while the silo stops gracefully: a task that ends during the stop must not
    /// leave its project's engine slot held (checked in the stored project state with the silo down: every slot
    /// holder is a task still Running), and after the start the rest of the queue runs at once, not after the
    /// slot's lease (2 minutes) runs out.
    /// </summary>
    [Fact]
    public async Task A_graceful_stop_while_short_tasks_end_leaves_no_slot_to_an_ended_task()
    {
        const int Count = 40;
        var total = Stopwatch.StartNew();
        var archive = _archives.Archive(_archives.Tree("tiny", files: 2, maxSize: 200, seed: 43), "zip");
        var expected = TreeHashes.OfBsdtar(archive);
        await using var silo = await SiloProcess.StartAsync(new SiloProcessOptions { Name = "embedded-short" }.WithFastTimings());
        var credentials = await silo.ReadCredentialsAsync();
        var bucket = Path.Combine(silo.DataDir, "buckets", "B");
        Directory.CreateDirectory(bucket);
        File.Copy(archive, Path.Combine(bucket, "a.zip"));
        var database = Path.Combine(silo.DataDir, "orleans-media.db");

        const string Project = "short";
        var ids = new List<string>();
        using (var client = new ImmClient(silo.BaseAddress, credentials))
        {
            await client.CreateProjectAsync(Project, new Dictionary<string, string> { ["EngineConcurrency"] = "1" });
            for (var i = 0; i < Count; i++)
            {
                ids.Add(await client.StartTaskAsync(Project, "oss://B/a.zip", $"oss://B/out{i}/"));
            }
        }

        await WaitUntilAsync(async () => (await PhasesAsync(database, Project)).Count(p => p.Value.Phase == "Ended") >= 3,
            TimeSpan.FromSeconds(90), "the short tasks did not start ending");
        Assert.Equal(0, await silo.StopAsync(TimeSpan.FromSeconds(30)));

        var phases = await PhasesAsync(database, Project);
        var holders = await SlotHoldersAsync(database, Project);
        output.WriteLine($"SIGTERM after {total.Elapsed.TotalSeconds:F1} s: {phases.Count(p => p.Value.Phase == "Ended")} ended, " +
            $"slot held by {string.Join(", ", holders.Select(h => $"{h[^6..]} ({(phases.TryGetValue(h, out var p) ? p.Phase : "?")})"))}");
        Assert.All(holders, h => Assert.True(phases[h].Phase == "Running", $"the ended task {h} still holds the project's engine slot after the stop"));

        var restartedAt = Stopwatch.StartNew();
        await silo.StartAsync();
        using (var client = new ImmClient(silo.BaseAddress, credentials))
        {
            foreach (var id in ids)
            {
                TaskAssert.Succeeded(await client.WaitForTaskAsync(Project, id, TimeSpan.FromSeconds(60) - restartedAt.Elapsed));
            }
        }

        output.WriteLine($"the rest of the queue ended {restartedAt.Elapsed.TotalSeconds:F1} s after the start; test time {total.Elapsed.TotalSeconds:F1} s");
        for (var i = 0; i < Count; i++)
        {
            Assert.Equal(expected, TreeHashes.Of(Path.Combine(bucket, $"out{i}")));
        }
    }

    public void Dispose() => _archives.Dispose();

    /// <summary>The tasks holding one of the project's engine slots, from the project's index copy in the SQLite store.</summary>
    private static async Task<List<string>> SlotHoldersAsync(string database, string project)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT l.key FROM grain_index, json_each(grain_index.state, '$.Slots.Leases') AS l WHERE grain_type = 'project' AND grain_key = $p";
        command.Parameters.AddWithValue("$p", project);
        var holders = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            holders.Add(reader.GetString(0));
        }

        return holders;
    }

    private async Task StopMidWorkAndRestartAsync(bool graceful)
    {
        var total = Stopwatch.StartNew();
        // Many small stored entries, checkpointed every 50 ms: the running task is caught with a checkpoint saved and
        // most of its work ahead on an idle machine too (1,500 entries at 200 ms went from start to past half-way
        // between two checkpoints there, and the wait below timed out).
        var archive = _archives.Archive(_archives.Tree("work", files: 3000, maxSize: 8_000, seed: 41), "zip-stored");
        var expected = TreeHashes.OfBsdtar(archive);

        var options = new SiloProcessOptions { Name = graceful ? "embedded-stop" : "embedded-kill" }.WithFastTimings();
        options.Environment["OrleansMedia__Work__CheckpointInterval"] = "00:00:00.050";
        await using var silo = await SiloProcess.StartAsync(options);
        var credentials = await silo.ReadCredentialsAsync();
        var bucket = Path.Combine(silo.DataDir, "buckets", "B");
        Directory.CreateDirectory(bucket);
        File.Copy(archive, Path.Combine(bucket, "a.zip"));
        var database = Path.Combine(silo.DataDir, "orleans-media.db");

        const string Project = "serial";
        var ids = new List<string>();
        using (var client = new ImmClient(silo.BaseAddress, credentials))
        {
            await client.CreateProjectAsync(Project, new Dictionary<string, string> { ["EngineConcurrency"] = "1" });
            for (var i = 0; i < Tasks; i++)
            {
                ids.Add(await client.StartTaskAsync(Project, "oss://B/a.zip", $"oss://B/out{i}/"));
            }
        }

        // One task running with a checkpoint saved and most of its work ahead, the others still queued: then the
        // silo goes.
        string? running = null;
        await WaitUntilAsync(async () =>
        {
            var phases = await PhasesAsync(database, Project);
            running = phases.SingleOrDefault(p => p.Value is ("Running", true, < 50)).Key;
            return running is not null && phases.Count(p => p.Value.Phase == "Queued") == Tasks - 1;
        }, TimeSpan.FromSeconds(90), "no task was running with a checkpoint while the others waited");

        if (graceful)
        {
            Assert.Equal(0, await silo.StopAsync(TimeSpan.FromSeconds(30)));
        }
        else
        {
            await silo.KillAsync();
        }

        // What the stop left: the work unfinished (the running task still holds its phase and checkpoint).
        var left = await PhasesAsync(database, Project);
        output.WriteLine($"{(graceful ? "SIGTERM" : "SIGKILL")} after {total.Elapsed.TotalSeconds:F1} s; left: {string.Join(", ", left.Select(p => $"{p.Key[^6..]}={p.Value.Phase}{(p.Value.Checkpointed ? "+checkpoint" : "")}@{p.Value.Progress}%"))}");
        Assert.Equal(("Running", true), (left[running!].Phase, left[running!].Checkpointed));
        Assert.Equal(Tasks - 1, left.Count(p => p.Value.Phase == "Queued"));

        var restartedAt = DateTimeOffset.UtcNow;
        await silo.StartAsync();
        using (var client = new ImmClient(silo.BaseAddress, credentials))
        {
            foreach (var id in ids)
            {
                var task = await client.WaitForTaskAsync(Project, id, TimeSpan.FromMinutes(3));
                TaskAssert.Succeeded(task);
                // Everything ended after the restart: nothing was finished before the stop.
                Assert.True(TaskAssert.Rfc3339(task, "EndTime") >= restartedAt.AddSeconds(-1), $"task {id} ended before the restart: {task}");
            }
        }

        for (var i = 0; i < Tasks; i++)
        {
            Assert.Equal(expected, TreeHashes.Of(Path.Combine(bucket, $"out{i}")));
        }

        // The running task went on from its checkpoint in the new process, not from scratch.
        var afterRestart = silo.ReadLog().Split($"starting {silo.Name} on port")[^1];
        Assert.Matches($@"Extracting task {Regex.Escape(running!)}, attempt [2-9], resuming after [1-9]\d* entries", afterRestart);
        foreach (var queued in ids.Where(id => id != running))
        {
            Assert.Contains($"Extracting task {queued}, attempt 1,", afterRestart, StringComparison.Ordinal);
        }

        Assert.All((await PhasesAsync(database, Project)).Values, p => Assert.Equal("Ended", p.Phase));
        output.WriteLine($"test time {total.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Each task's Phase, whether it saved a checkpoint, and its Progress, from the index in the embedded SQLite store.</summary>
    private static async Task<Dictionary<string, (string Phase, bool Checkpointed, long Progress)>> PhasesAsync(string database, string project)
    {
        var result = new Dictionary<string, (string, bool, long)>(StringComparer.Ordinal);
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT grain_key, json_extract(state, '$.Phase'), coalesce(json_extract(state, '$.CheckpointSaved'), 0), coalesce(json_extract(state, '$.Progress'), 0) " +
            "FROM grain_index WHERE grain_type = $t AND partition_key = $p";
        command.Parameters.AddWithValue("$t", FileUncompressionTaskGrain.GrainTypeName);
        command.Parameters.AddWithValue("$p", project);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result[reader.GetString(0)] = (reader.GetString(1), reader.GetInt64(2) != 0, reader.GetInt64(3));
        }

        return result;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50);
        }
    }
}
