using System.Diagnostics;
using Npgsql;
using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Testing;
using Xunit.Abstractions;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// EngineConcurrency is one cap for the whole cluster (issue 10): three silo processes on one PostgreSQL, a project
/// allowing 2 extractions at once, 6 tasks spread over the silos (each silo alone would allow 8 at once).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ClusterConcurrencyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Cap = 2;
    private const int Tasks = 6;
    private readonly ArchiveFactory _archives = new();
    private readonly List<SiloProcess> _silos = [];
    private PostgresDatabase _database = null!;
    private S3TestBucket _bucket = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        _bucket = await S3TestBucket.CreateAsync();
    }

    /// <summary>
    /// The project's running extractions (tasks holding an engine slot, from the task index, with the silo each runs
    /// on) are sampled from creation until all have ended: never more than 2 across the cluster, 2 reached, and the
    /// tasks ran on at least two silos. Every task succeeds with bsdtar's output. A cap kept per silo (or per
    /// activation of the project) lets 3 × 2 run at once and fails.
    /// </summary>
    [Fact]
    public async Task EngineConcurrency_caps_running_extractions_across_three_silos()
    {
        var total = Stopwatch.StartNew();
        var masterKey = Path.Combine(_archives.Root, "cluster-master.key");
        var first = await StartSiloAsync("cap-0", masterKey);
        var credentials = await first.ReadCredentialsAsync();
        await Task.WhenAll(StartSiloAsync("cap-1", masterKey), StartSiloAsync("cap-2", masterKey));
        output.WriteLine($"3 silos ready after {total.Elapsed.TotalSeconds:F1} s");
        var clients = _silos.Select(s => new ImmClient(s.BaseAddress, credentials)).ToList();

        var project = "cap-" + Guid.NewGuid().ToString("N")[..8];
        await clients[0].CreateProjectAsync(project, new Dictionary<string, string> { ["EngineConcurrency"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        // Enough entries that one extraction into s3rver takes seconds: the tasks would overlap if allowed to.
        var archive = _archives.Archive(_archives.Tree(project, files: 100, maxSize: 8_000, seed: 31), "zip-stored");
        var expected = TreeHashes.OfBsdtar(archive);
        await _bucket.UploadAsync($"{project}/many.zip", archive);

        // The sampler runs from before the first task exists until all have ended.
        using var stop = new CancellationTokenSource();
        var sampler = SampleAsync(project, stop.Token);
        var ids = await Task.WhenAll(Enumerable.Range(0, Tasks).Select(i =>
            clients[i % clients.Count].StartTaskAsync(project, _bucket.Uri($"{project}/many.zip"), _bucket.Uri($"{project}/out{i}/"))));
        for (var i = 0; i < Tasks; i++)
        {
            TaskAssert.Succeeded(await clients[i % clients.Count].WaitForTaskAsync(project, ids[i], TimeSpan.FromMinutes(4)));
        }

        await stop.CancelAsync();
        var samples = await sampler;
        var workers = await WorkersAsync(project);
        output.WriteLine($"{samples.Count} samples; at most {samples.Max(s => s.Running)} running at once " +
            $"(at most {samples.Max(s => s.Silos)} silo(s) running at once); tasks ran on {string.Join(", ", workers.Select(w => $"{w.Key}×{w.Value}"))}");

        Assert.True(samples.Count >= 20, $"only {samples.Count} samples were taken");
        var over = samples.FirstOrDefault(s => s.Running > Cap);
        Assert.True(over is null, $"{over?.Running} extractions ran at once across the cluster ({over?.Detail}) under EngineConcurrency {Cap}");
        Assert.Equal(Cap, samples.Max(s => s.Running));
        Assert.True(workers.Count >= 2, $"all tasks ran on one silo ({string.Join(", ", workers.Keys)}): the cap was not tested across silos");
        Assert.Equal(Tasks, workers.Values.Sum());

        for (var i = 0; i < Tasks; i++)
        {
            Assert.Equal(expected, await _bucket.HashesAsync($"{project}/out{i}/"));
        }

        output.WriteLine($"test time {total.Elapsed.TotalSeconds:F1} s");
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

    private async Task<SiloProcess> StartSiloAsync(string name, string masterKey)
    {
        var silo = SiloProcess.Create(new SiloProcessOptions { Name = name }
            .WithFastTimings()
            .WithPostgres(_database.ConnectionString)
            .WithS3Bucket(_bucket.Name)
            .With("AccessKeys__MasterKeyPath", masterKey)
            .With("OrleansMedia__Storage__LocalSigningKey", "cluster-concurrency-tests-shared-signing-key"));
        lock (_silos)
        {
            _silos.Add(silo);
        }

        await silo.StartAsync();
        return silo;
    }

    private sealed record Sample(long Running, int Silos, string Detail);

    /// <summary>The project's running tasks per silo, read from the task index every few milliseconds until cancelled.</summary>
    private async Task<List<Sample>> SampleAsync(string project, CancellationToken ct)
    {
        var samples = new List<Sample>();
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync(CancellationToken.None);
        while (!ct.IsCancellationRequested)
        {
            await using var command = new NpgsqlCommand(
                "SELECT coalesce(state->>'Worker', '?'), count(*) FROM grain_index " +
                "WHERE grain_type = $1 AND partition_key = $2 AND state->>'Phase' = 'Running' GROUP BY 1", connection)
            {
                Parameters = { new() { Value = FileUncompressionTaskGrain.GrainTypeName }, new() { Value = project } },
            };
            var perSilo = new List<(string Worker, long Count)>();
            await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None))
            {
                while (await reader.ReadAsync(CancellationToken.None))
                {
                    perSilo.Add((reader.GetString(0), reader.GetInt64(1)));
                }
            }

            samples.Add(new Sample(perSilo.Sum(p => p.Count), perSilo.Count, string.Join(", ", perSilo.Select(p => $"{p.Worker}: {p.Count}"))));
            try
            {
                await Task.Delay(10, ct);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return samples;
    }

    /// <summary>The silo that ran each of the project's tasks (the task's Worker), counted per silo.</summary>
    private async Task<Dictionary<string, int>> WorkersAsync(string project)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(state->>'Worker', '?'), count(*) FROM grain_index WHERE grain_type = $1 AND partition_key = $2 GROUP BY 1", connection)
        {
            Parameters = { new() { Value = FileUncompressionTaskGrain.GrainTypeName }, new() { Value = project } },
        };
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result[reader.GetString(0)] = (int)reader.GetInt64(1);
        }

        return result;
    }
}
