using System.Diagnostics;
using Npgsql;
using Orleans.Media.Testing;
using Xunit.Abstractions;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// How a task's work is owned on Orleans, on real silo processes and PostgreSQL: a stale activation is fenced by its
/// refused write and the task still finishes once; a gracefully stopped silo hands its extraction to another within
/// seconds; an index row lost behind a task's back comes back; a silo with another master key than the cluster's
/// refuses to start.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class WorkOwnershipTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ArchiveFactory _archives = new();
    private readonly List<SiloProcess> _silos = [];
    private PostgresDatabase _database = null!;
    private S3TestBucket _bucket = null!;
    private string _masterKey = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        _bucket = await S3TestBucket.CreateAsync();
        _masterKey = Path.Combine(_archives.Root, "cluster-master.key");
    }

    [Fact]
    public async Task A_stale_activation_is_fenced_on_its_next_checkpoint_and_the_task_finishes_once()
    {
        var silo = await StartSiloAsync("fence-0");
        var client = new ImmClient(silo.BaseAddress, await silo.ReadCredentialsAsync());
        var (project, source, expected) = await LongTaskSourceAsync(client, "fence");
        var taskId = await client.StartTaskAsync(project, source, _bucket.Uri($"{project}/out/"));
        await WaitForCheckpointAsync(taskId);

        // The stored state moves on behind the activation's back (as a newer activation elsewhere would write it).
        await using (var connection = new NpgsqlConnection(_database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var bump = new NpgsqlCommand("UPDATE orleans_storage SET version = version + 1 WHERE grain_key = $1", connection)
            {
                Parameters = { new() { Value = StoredTasks.StorageKey(taskId) } },
            };
            Assert.Equal(1, await bump.ExecuteNonQueryAsync());
        }

        var task = await client.WaitForTaskAsync(project, taskId, TimeSpan.FromMinutes(3));
        TaskAssert.Succeeded(task);
        var log = silo.ReadLog();
        Assert.Contains($"Task {taskId}: its state changed behind this activation", log, StringComparison.Ordinal);
        // The fenced extraction stopped; the current activation resumed and finished: one end, outputs complete.
        Assert.Equal(1, Count(log, $"Extraction of task {taskId} ended"));
        Assert.Equal(expected, await _bucket.HashesAsync($"{project}/out/"));
    }

    [Fact]
    public async Task A_gracefully_stopped_silo_hands_its_extraction_to_another_within_10_seconds()
    {
        var first = await StartSiloAsync("graceful-0");
        var credentials = await first.ReadCredentialsAsync();
        var second = await StartSiloAsync("graceful-1");
        var client = new ImmClient(second.BaseAddress, credentials);
        var (project, source, expected) = await LongTaskSourceAsync(client, "graceful");
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            ids.Add(await client.StartTaskAsync(project, source, _bucket.Uri($"{project}/out{i}/")));
        }

        // Stop (SIGTERM) the silo running an extraction that has saved a checkpoint.
        var (taskId, worker) = await RunningWithCheckpointAsync(ids);
        var victim = _silos.Single(s => s.Name == worker);
        var survivor = _silos.Single(s => s != victim);
        var stopwatch = Stopwatch.StartNew();
        await victim.StopAsync(TimeSpan.FromSeconds(30));
        await WaitUntilAsync(async () => await WorkerAsync(taskId) is (var w, "Running", _) && w == survivor.Name, TimeSpan.FromSeconds(10),
            $"task {taskId} did not resume on {survivor.Name} within 10 s of the graceful stop");
        output.WriteLine($"graceful stop of {victim.Name} → extraction of {taskId} running on {survivor.Name} after {stopwatch.Elapsed.TotalSeconds:F1} s");

        var survivorClient = new ImmClient(survivor.BaseAddress, credentials);
        for (var i = 0; i < ids.Count; i++)
        {
            TaskAssert.Succeeded(await survivorClient.WaitForTaskAsync(project, ids[i], TimeSpan.FromMinutes(3)));
            Assert.Equal(expected, await _bucket.HashesAsync($"{project}/out{i}/"));
        }

        Assert.Contains($"Task {taskId}: activation stopping", victim.ReadLog(), StringComparison.Ordinal);
        Assert.Contains($"Extracting task {taskId}", survivor.ReadLog(), StringComparison.Ordinal);
        Assert.Matches($@"Extracting task {taskId}, attempt \d+, resuming after [1-9]\d* entries", survivor.ReadLog());
    }

    [Fact]
    public async Task An_index_row_deleted_behind_a_tasks_back_comes_back()
    {
        var silo = await StartSiloAsync("repair-0");
        var credentials = await silo.ReadCredentialsAsync();
        var client = new ImmClient(silo.BaseAddress, credentials);
        var (project, source, _) = await LongTaskSourceAsync(client, "repair");

        // A running task: its next checkpoint writes the row again.
        var running = await client.StartTaskAsync(project, source, _bucket.Uri($"{project}/out/"));
        await WaitForCheckpointAsync(running);
        await DeleteIndexRowAsync(running);
        await WaitUntilAsync(async () => await IndexedAsync(running), TimeSpan.FromSeconds(30), "the running task's index row did not come back");
        TaskAssert.Succeeded(await client.WaitForTaskAsync(project, running, TimeSpan.FromMinutes(3)));

        // An ended task: its next activation writes the row again (here after a restart of its silo).
        await DeleteIndexRowAsync(running);
        Assert.False(await IndexedAsync(running));
        Assert.DoesNotContain(running, (await client.ListTasksAsync(project)).EnsureOk("ListTasks").Body.GetProperty("Tasks").EnumerateArray()
            .Select(t => t.GetProperty("TaskId").GetString()));
        await silo.KillAsync();
        await silo.StartAsync();
        client = new ImmClient(silo.BaseAddress, credentials);
        TaskAssert.Succeeded((await client.GetTaskAsync(project, running)).EnsureOk("GetTask").Body);
        await WaitUntilAsync(async () => await IndexedAsync(running), TimeSpan.FromSeconds(30), "the ended task's index row did not come back on activation");
        Assert.Contains(running, (await client.ListTasksAsync(project)).EnsureOk("ListTasks").Body.GetProperty("Tasks").EnumerateArray()
            .Select(t => t.GetProperty("TaskId").GetString()));
    }

    [Fact]
    public async Task A_silo_whose_master_key_cannot_open_the_clusters_keys_refuses_to_start_naming_the_setting()
    {
        // Three silos as a new user starts them: each with its own data directory, so each would make its own master key.
        await StartSiloAsync("keys-0");
        foreach (var name in new[] { "keys-1", "keys-2" })
        {
            var options = SiloOptions(name);
            options.Environment.Remove("AccessKeys__MasterKeyPath");
            options.ReadyTimeout = TimeSpan.FromSeconds(45);
            var silo = new SiloProcessHolder(options);
            var error = await Record.ExceptionAsync(() => silo.StartAsync(_silos));
            Assert.NotNull(error);
            await WaitUntilAsync(() => Task.FromResult(!silo.Process!.IsRunning), TimeSpan.FromSeconds(30), $"{name} kept running");
            Assert.Contains("AccessKeys:MasterKeyPath", silo.Process!.ReadLog(), StringComparison.Ordinal);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        _bucket.Dispose();
        await _database.DisposeAsync();
        _archives.Dispose();
    }

    private SiloProcessOptions SiloOptions(string name) => new SiloProcessOptions { Name = name }
        .WithFastTimings()
        .WithPostgres(_database.ConnectionString)
        .WithS3Bucket(_bucket.Name)
        .With("AccessKeys__MasterKeyPath", _masterKey)
        .With("OrleansMedia__Storage__LocalSigningKey", "work-ownership-tests-shared-signing-key");

    private async Task<SiloProcess> StartSiloAsync(string name)
    {
        var silo = await SiloProcess.StartAsync(SiloOptions(name));
        _silos.Add(silo);
        return silo;
    }

    /// <summary>A project and a stored zip of many small random files: seconds of extraction work into s3rver.</summary>
    private async Task<(string Project, string Source, SortedDictionary<string, string> Expected)> LongTaskSourceAsync(ImmClient client, string prefix)
    {
        var project = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        await client.CreateProjectAsync(project);
        var archive = _archives.Archive(_archives.Tree(project, files: 1500, maxSize: 40_000, seed: 21), "zip-stored");
        await _bucket.UploadAsync($"{project}/many.zip", archive);
        return (project, _bucket.Uri($"{project}/many.zip"), TreeHashes.OfBsdtar(archive));
    }

    private async Task WaitForCheckpointAsync(string taskId) =>
        await WaitUntilAsync(async () => await WorkerAsync(taskId) is (_, "Running", true), TimeSpan.FromSeconds(60),
            $"task {taskId} saved no checkpoint while running");

    private async Task<(string TaskId, string Worker)> RunningWithCheckpointAsync(IReadOnlyList<string> ids)
    {
        (string, string)? found = null;
        await WaitUntilAsync(async () =>
        {
            foreach (var id in ids)
            {
                if (await WorkerAsync(id) is ({ } worker, "Running", true))
                {
                    found = (id, worker);
                    return true;
                }
            }

            return false;
        }, TimeSpan.FromSeconds(60), "no extraction saved a checkpoint");
        return found!.Value;
    }

    /// <summary>The task's Worker, Phase and whether a checkpoint is saved, from its index row.</summary>
    private async Task<(string? Worker, string? Phase, bool Checkpointed)?> WorkerAsync(string taskId)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT state->>'Worker', state->>'Phase', state->>'CheckpointSaved' = 'true' FROM grain_index WHERE grain_key = $1", connection)
        {
            Parameters = { new() { Value = taskId } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? (reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetString(1), !reader.IsDBNull(2) && reader.GetBoolean(2))
            : null;
    }

    private async Task<bool> IndexedAsync(string taskId) => await WorkerAsync(taskId) is not null;

    private async Task DeleteIndexRowAsync(string taskId)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("DELETE FROM grain_index WHERE grain_key = $1", connection)
        {
            Parameters = { new() { Value = taskId } },
        };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(100);
        }
    }

    private static int Count(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>A silo expected to fail its start: keeps the process so its log can be read.</summary>
    private sealed class SiloProcessHolder(SiloProcessOptions options)
    {
        public SiloProcess? Process { get; private set; }

        public async Task StartAsync(List<SiloProcess> owned)
        {
            Process = SiloProcess.Create(options);
            owned.Add(Process);
            await Process.StartAsync();
        }
    }
}
