using System.Text.Json;
using Npgsql;
using Orleans.Media.Silo.Tests.Notifications;
using Orleans.Media.Testing;
using Xunit.Abstractions;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// Crash safety on real processes: 3 silos on one PostgreSQL database sharing an s3rver bucket and a webhook topic;
/// 50 tasks on mixed archives (two large ones of tens of MB over hundreds of entries); the silo running the most
/// extractions is killed with SIGKILL twice while they run, and restarted. Every task must end Succeeded with
/// outputs hash-equal to a clean extraction (nothing missing, extra or truncated), and every task's end notification
/// must reach the receiver (at least once; duplicates carry the same message id).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class CrashSafetyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Topic = "e2e-hooks";
    private const string HookSecret = "e2e-webhook-secret-0123456789";
    private readonly ArchiveFactory _archives = new();
    private readonly List<SiloProcess> _silos = [];
    private PostgresDatabase _database = null!;
    private S3TestBucket _bucket = null!;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        _bucket = await S3TestBucket.CreateAsync();
        _receiver = await WebhookReceiver.StartAsync(HookSecret);

        // The receiver is down for its first three requests: those deliveries must be retried until it recovers.
        _receiver.Respond = i => (i < 3 ? 503 : 200, TimeSpan.Zero);
    }

    [Fact]
    public async Task Fifty_tasks_survive_two_kill_9_of_the_extracting_silo_with_clean_outputs_and_every_notification()
    {
        // Archives: two large (random data: seconds of work each), small zip/7z, and RAR fixtures.
        var big = _archives.Tree("big", files: 240, maxSize: 330_000, seed: 101);
        var medium = _archives.Tree("medium", files: 120, maxSize: 200_000, seed: 102);
        var small = _archives.Tree("small", files: 12, maxSize: 8_000, seed: 103);
        var sources = new List<(string Key, string File)>
        {
            ("src/big.zip", _archives.Archive(big, "zip-stored")),
            ("src/medium.7z", _archives.Archive(medium, "7z")),
            ("src/small.zip", _archives.Archive(small, "zip")),
            ("src/small.7z", _archives.Archive(small, "7z-solid")),
            ("src/multi.rar", Path.Combine(TestEnvironment.Fixtures, "rar", "rar5_multiple_files.rar")),
            ("src/binary.rar", Path.Combine(TestEnvironment.Fixtures, "rar", "rar_binary_data.rar")),
        };
        var expected = new Dictionary<string, SortedDictionary<string, string>>();
        foreach (var (key, file) in sources)
        {
            await _bucket.UploadAsync(key, file);
            expected[key] = TreeHashes.OfBsdtar(file);
        }

        output.WriteLine($"big.zip {new FileInfo(sources[0].File).Length / 1_000_000} MB, medium.7z {new FileInfo(sources[1].File).Length / 1_000_000} MB");

        // The cluster: the first silo creates the admin key; the others join the same store.
        // Shared by a cluster's silos: the local signing key and the master key that encrypts stored access-key secrets.
        var signingKey = Convert.ToBase64String(Guid.NewGuid().ToByteArray()) + "-shared-signing-key";
        var masterKey = Path.Combine(_archives.Root, "cluster-master.key");
        SiloProcessOptions Options(int i) => new SiloProcessOptions { Name = $"crash-{i}" }
            .WithFastTimings()
            .WithPostgres(_database.ConnectionString)
            .WithS3Bucket(_bucket.Name)
            .WithWebhookTopic(Topic, _receiver.Url, HookSecret)
            .With("OrleansMedia__Storage__LocalSigningKey", signingKey)
            .With("AccessKeys__MasterKeyPath", masterKey)
            .With("OrleansMedia__Work__MaxConcurrentExtractions", "6")
            .With("OrleansMedia__Notifications__RegionId", "cn-hangzhou")
            .With("OrleansMedia__Notifications__AccountId", "1234567890123456");
        _silos.Add(await SiloProcess.StartAsync(Options(0)));
        var credentials = await _silos[0].ReadCredentialsAsync();
        _silos.AddRange(await Task.WhenAll(SiloProcess.StartAsync(Options(1)), SiloProcess.StartAsync(Options(2))));
        var clients = _silos.Select(s => new ImmClient(s.BaseAddress, credentials)).ToArray();

        // 50 tasks over 5 projects (the per-project concurrency limit would otherwise serialize them), large first.
        string[] projects = [.. Enumerable.Range(0, 5).Select(i => $"crash{i}")];
        foreach (var p in projects)
        {
            await clients[0].CreateProjectAsync(p);
        }

        // Ten tasks on the large archives (enough work to outlast two kills), 40 on the small ones, created
        // concurrently through all silos.
        var order = Enumerable.Range(0, 10).Select(i => i % 2).Concat(Enumerable.Range(0, 40).Select(i => 2 + (i % 4))).ToArray();
        var started = DateTime.UtcNow;
        using var gate = new SemaphoreSlim(8);
        var tasks = (await Task.WhenAll(order.Select(async (source, i) =>
        {
            await gate.WaitAsync();
            try
            {
                var project = projects[i % projects.Length];
                var target = $"out/{i:D2}/";
                var id = await clients[i % 3].StartTaskAsync(project, _bucket.Uri(sources[source].Key), _bucket.Uri(target), notification: new { MNS = new { TopicName = Topic } });
                return (Project: project, TaskId: id, Source: sources[source].Key, Target: target);
            }
            finally
            {
                gate.Release();
            }
        }))).ToList();
        output.WriteLine($"50 tasks created in {(DateTime.UtcNow - started).TotalSeconds:F1} s");

        // Kill -9 the silo running the most extractions, twice, while extractions are under way; restart it each time.
        // The restart runs in the background, so the second kill can follow while the first victim's work is
        // being taken over (a silo still restarting is never chosen).
        var killed = new List<string>();
        var restarts = new List<Task>();
        var restarting = new HashSet<string>();
        for (var round = 0; round < 2; round++)
        {
            var victim = await BusiestExtractingSiloAsync(restarting, TimeSpan.FromSeconds(20));
            var silo = _silos.Single(s => s.Name == victim.Name);
            output.WriteLine($"{(DateTime.UtcNow - started).TotalSeconds:F1} s: round {round}: kill -9 {silo.Name} (pid {silo.ProcessId}) running {victim.Running} extraction(s), {victim.Checkpointed} checkpointed");
            await silo.KillAsync();
            killed.Add(silo.Name);
            restarting.Add(silo.Name);
            restarts.Add(silo.StartAsync());
        }

        await Task.WhenAll(restarts);
        Assert.All(_silos, s => Assert.True(s.IsRunning));

        // Every task ends Succeeded (polled through all silos in turn).
        // Progress seen per task: it only moves forward (across attempts too), and the large tasks are seen midway.
        var seen = new Dictionary<string, int>();
        var midway = new HashSet<string>();
        var ended = new Dictionary<string, JsonElement>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        var poll = 0;
        while (ended.Count < tasks.Count)
        {
            foreach (var t in tasks.Where(t => !ended.ContainsKey(t.TaskId)))
            {
                var view = await clients[poll++ % 3].GetTaskAsync(t.Project, t.TaskId);
                view.EnsureOk("GetTask");
                var progress = view.Body.GetProperty("Progress").GetInt32();
                Assert.True(progress >= seen.GetValueOrDefault(t.TaskId), $"{t.TaskId}'s progress went back from {seen.GetValueOrDefault(t.TaskId)} to {progress}");
                seen[t.TaskId] = progress;
                if (view.String("Status") == "Running" && progress is > 0 and < 100)
                {
                    midway.Add(t.TaskId);
                }

                if (view.String("Status") != "Running")
                {
                    ended[t.TaskId] = view.Body;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"{tasks.Count - ended.Count} task(s) still running.\n{_silos[0].LogTail(30)}");
            await Task.Delay(250);
        }

        output.WriteLine($"{(DateTime.UtcNow - started).TotalSeconds:F1} s: all tasks ended; {midway.Count} seen running with 0 < Progress < 100");
        Assert.NotEmpty(midway);
        foreach (var t in tasks)
        {
            TaskAssert.Succeeded(ended[t.TaskId]);
        }

        // The kills hit running extractions: some jobs needed more than one attempt, and some resumed from a checkpoint.
        var (retried, resumedFromCheckpoint) = await AttemptsAsync();
        output.WriteLine($"tasks with >1 attempt: {retried}; attempts resumed after a checkpoint: {resumedFromCheckpoint}");
        Assert.True(retried >= 1, "no extraction was interrupted by the kills");
        Assert.True(resumedFromCheckpoint >= 1, "no extraction resumed from a checkpoint");

        // Outputs equal a clean run: same keys, same bytes, for every task; nothing else in the bucket.
        foreach (var t in tasks)
        {
            var actual = await _bucket.HashesAsync(t.Target);
            Assert.True(expected[t.Source].SequenceEqual(actual), $"{t.TaskId} ({t.Source} → {t.Target}) differs from a clean extraction: " +
                $"missing [{string.Join(", ", expected[t.Source].Keys.Except(actual.Keys).Take(5))}], " +
                $"extra [{string.Join(", ", actual.Keys.Except(expected[t.Source].Keys).Take(5))}], " +
                $"different [{string.Join(", ", actual.Where(a => expected[t.Source].TryGetValue(a.Key, out var h) && h != a.Value).Select(a => a.Key).Take(5))}]");
        }

        var stray = (await _bucket.KeysAsync("")).Where(k => !k.StartsWith("src/", StringComparison.Ordinal) && !k.StartsWith("out/", StringComparison.Ordinal) || k.Contains(".om-tmp", StringComparison.Ordinal)).ToList();
        Assert.Empty(stray);

        // Every task's end notification arrived, signed; retries and duplicates of one task share one message id.
        await _receiver.WaitForAsync(r => TaskIdsOf(r).Count >= tasks.Count, TimeSpan.FromSeconds(60));
        var refusedOnce = _receiver.Received.Where(r => r.Answered == 503).ToList();
        Assert.Equal(3, refusedOnce.Count);
        var received = _receiver.Received.Where(r => r.Answered is >= 200 and < 300).ToList();
        Assert.All(refusedOnce, r => Assert.Contains(received, ok => ok.MessageId == r.MessageId));
        Assert.All(received, r => Assert.True(r.SignatureValid, "a webhook request failed the signature recipe"));
        var byTask = received.GroupBy(r => TaskIdOf(r)!).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var t in tasks)
        {
            Assert.True(byTask.TryGetValue(t.TaskId, out var messages), $"no notification for {t.TaskId}");
            Assert.Single(messages.Select(m => m.MessageId).Distinct());
            using var envelope = JsonDocument.Parse(messages[0].Body);
            Assert.Equal("imm:Task:FileUncompression", envelope.RootElement.GetProperty("type").GetString());
            Assert.Equal($"acs:imm:cn-hangzhou:1234567890123456:{t.Project}/imm:Task:FileUncompression", envelope.RootElement.GetProperty("subject").GetString());
            Assert.Equal(messages[0].MessageId, envelope.RootElement.GetProperty("id").GetString());
            using var content = JsonDocument.Parse(envelope.RootElement.GetProperty("content").GetString()!);
            Assert.Equal("Succeeded", content.RootElement.GetProperty("Status").GetString());
        }

        output.WriteLine($"notifications: {received.Count} deliveries for {tasks.Count} tasks; killed {string.Join(", ", killed)}");
        foreach (var c in clients)
        {
            c.Dispose();
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await _receiver.DisposeAsync();
        _bucket.Dispose();
        await _database.DisposeAsync();
        _archives.Dispose();
    }

    private static HashSet<string> TaskIdsOf(IReadOnlyList<ReceivedWebhook> received) =>
        [.. received.Where(r => r.Answered is >= 200 and < 300).Select(TaskIdOf).OfType<string>()];

    private static string? TaskIdOf(ReceivedWebhook r)
    {
        using var envelope = JsonDocument.Parse(r.Body);
        using var content = JsonDocument.Parse(envelope.RootElement.GetProperty("content").GetString()!);
        return content.RootElement.GetProperty("TaskId").GetString();
    }

    /// <summary>
    /// Waits until extractions are running with a checkpoint saved, and returns the silo (by name: the Worker the task
    /// index names for each running task) running the most of them.
    /// </summary>
    private async Task<(string Name, long Running, long Checkpointed)> BusiestExtractingSiloAsync(IReadOnlySet<string> exclude, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var preferCheckpointed = DateTime.UtcNow + timeout / 2;
        while (true)
        {
            var candidates = (await StoredTasks.RunningByWorkerAsync(_database.ConnectionString))
                .Where(w => !exclude.Contains(w.Worker) && _silos.Any(s => s.Name == w.Worker && s.IsRunning))
                .ToList();
            // Prefer a silo whose extraction has saved a checkpoint (so the resume is from it); accept any running one later.
            if (candidates.FirstOrDefault() is { Worker: not null } busiest && (busiest.Checkpointed > 0 || DateTime.UtcNow > preferCheckpointed))
            {
                return busiest;
            }

            Assert.True(DateTime.UtcNow < deadline, "no extraction was running to kill");
            await Task.Delay(100);
        }
    }

    /// <summary>Tasks whose extraction took more than one attempt, and how many attempts started after a checkpoint (from the silo logs).</summary>
    private async Task<(long Retried, int ResumedFromCheckpoint)> AttemptsAsync()
    {
        var retried = await StoredTasks.RetriedAsync(_database.ConnectionString);
        var resumed = _silos.Sum(s => System.Text.RegularExpressions.Regex.Matches(s.ReadLog(), @"resuming after ([1-9]\d*) entries").Count);
        return (retried, resumed);
    }

}
