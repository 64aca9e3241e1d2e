using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using Npgsql;
using Orleans.Media.Testing;

namespace Orleans.Media.Bench;

/// <summary>
/// <c>deploy/bench.sh tasks recovery [--recovery-tasks 9] [--recovery-mb 300]</c>: 3 silo processes (the real silo
/// binary, Release) on one PostgreSQL with the membership and work timings the README recommends
/// (<see cref="SiloProcessOptions.WithFastTimings"/>: ProbeTimeout 1 s, NumMissedProbesLimit 3, reminder period 2 s),
/// sharing one local bucket folder. Several tasks extract a zip-stored archive of random entries; once they run, the
/// silo running the most of them (the task index's <c>state-&gt;&gt;'Worker'</c>) is killed with SIGKILL. Measured
/// from the kill, by polling PostgreSQL every 100 ms: the cluster declaring it dead (<c>recovery_detect_s</c>), the first
/// killed task running again on another silo with a higher attempt count (<c>recovery_s</c>), all killed tasks resumed
/// (<c>recovery_all_s</c>), every task ended (<c>recovery_end_s</c>), and how many Succeeded.
/// </summary>
public static class TasksRecovery
{
    private const string Project = "bench-recovery";
    private const int Dead = 6; // Orleans SiloStatus.Dead in the membership table.

    public static async Task RunAsync(BenchReport report, string workDir, string[] args, CancellationToken cancellationToken)
    {
        var taskCount = TasksBenchmark.Option(args, "--recovery-tasks", 9);
        var megabytes = TasksBenchmark.Option(args, "--recovery-mb", 300);
        var archive = EnsureStoredZip(Path.Combine(workDir, $"stored-{megabytes}mb.zip"), megabytes);
        var buckets = Path.Combine(workDir, "recovery-buckets");
        if (Directory.Exists(buckets))
        {
            Directory.Delete(buckets, recursive: true);
        }

        Directory.CreateDirectory(Path.Combine(buckets, "bench", "src"));
        File.Copy(archive, Path.Combine(buckets, "bench", "src", "long.zip"));

        await using var db = await PostgresDatabase.CreateAsync();
        var signingKey = Convert.ToBase64String(Guid.NewGuid().ToByteArray()) + "-shared-signing-key";
        var masterKey = Path.Combine(workDir, "recovery-master.key");
        SiloProcessOptions Options(int i) => new SiloProcessOptions { Name = $"rec-{i}" }
            .WithFastTimings()
            .WithPostgres(db.ConnectionString)
            .With("OrleansMedia__Storage__DefaultLocalRoot", buckets)
            .With("OrleansMedia__Storage__LocalSigningKey", signingKey)
            .With("AccessKeys__MasterKeyPath", masterKey)
            .With("Logging__LogLevel__Default", "Warning");

        var silos = new List<SiloProcess>();
        try
        {
            var clock = Stopwatch.StartNew();
            silos.Add(await SiloProcess.StartAsync(Options(0)));
            var credentials = await silos[0].ReadCredentialsAsync();
            silos.AddRange(await Task.WhenAll(SiloProcess.StartAsync(Options(1)), SiloProcess.StartAsync(Options(2))));
            BenchReport.Note($"3 silo processes ready in {clock.Elapsed.TotalSeconds:0.0} s (logs: {string.Join(", ", silos.Select(s => s.LogFile))})");
            var rpc = new SignedRpc(credentials.AccessKeyId, credentials.AccessKeySecret, Project);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            await CallAsync(http, silos[0], rpc.Path("CreateProject", ("EngineConcurrency", "100")), cancellationToken);
            for (var i = 0; i < taskCount; i++)
            {
                await CallAsync(http, silos[i % 3], rpc.Path("CreateFileUncompressionTask", ("SourceURI", "oss://bench/src/long.zip"), ("TargetURI", $"oss://bench/out/{i:D2}/")), cancellationToken);
            }

            BenchReport.Note($"{taskCount} tasks on a {megabytes} MB zip-stored archive created");

            // Wait until extractions run with some progress, then kill the silo running the most.
            await using var data = NpgsqlDataSource.Create(db.ConnectionString);
            List<Row> rows;
            var waitUntil = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while (true)
            {
                rows = await RowsAsync(data, cancellationToken);
                var running = rows.Where(r => r.Phase == "Running" && r.Worker is not null).ToList();
                if ((running.Count == taskCount && running.Any(r => r.Progress > 0)) || running.Any(r => r.Progress >= 20))
                {
                    break;
                }

                if (DateTime.UtcNow > waitUntil)
                {
                    throw new TimeoutException($"Extractions did not start: {string.Join("; ", rows)}\n{silos[0].LogTail(20)}");
                }

                await Task.Delay(100, cancellationToken);
            }

            var busiest = rows.Where(r => r.Phase == "Running" && r.Worker is not null).GroupBy(r => r.Worker!).OrderByDescending(g => g.Count()).First();
            var victim = silos.Single(s => s.Name == busiest.Key);
            var killedTasks = busiest.ToDictionary(r => r.Key);
            BenchReport.Note($"running per silo: {string.Join(", ", rows.Where(r => r.Phase == "Running").GroupBy(r => r.Worker).Select(g => $"{g.Key} {g.Count()}"))}; " +
                $"kill -9 {victim.Name} (pid {victim.ProcessId}) running {killedTasks.Count}, progress {string.Join("/", killedTasks.Values.Select(r => r.Progress))} %");
            var sinceKill = Stopwatch.StartNew();
            await victim.KillAsync();

            double? detected = null, first = null, all = null, ended = null;
            var resumed = new HashSet<string>();
            var deadline = TimeSpan.FromMinutes(10);
            while (ended is null)
            {
                if (sinceKill.Elapsed > deadline)
                {
                    throw new TimeoutException($"Not every task ended {deadline} after the kill: {string.Join("; ", rows)}");
                }

                await Task.Delay(100, cancellationToken);
                var now = sinceKill.Elapsed.TotalSeconds;
                if (detected is null && await IsDeclaredDeadAsync(data, victim.Name, cancellationToken))
                {
                    detected = now;
                }

                rows = await RowsAsync(data, cancellationToken);
                foreach (var r in rows.Where(r => killedTasks.TryGetValue(r.Key, out var before) && r.Attempts > before.Attempts && r.Worker != victim.Name))
                {
                    if (resumed.Add(r.Key))
                    {
                        BenchReport.Note($"{now:0.0} s after the kill: {r.Key} resumed on {r.Worker} (attempt {r.Attempts}, progress {r.Progress} %)");
                    }
                }

                first ??= resumed.Count > 0 ? now : null;
                all ??= resumed.Count == killedTasks.Count ? now : null;
                ended ??= rows.Count == taskCount && rows.All(r => r.Phase == "Ended") ? now : null;
            }

            var succeeded = rows.Count(r => r.Status == "Succeeded");
            report.Metric("recovery_detect_s", detected ?? double.NaN, "s");
            report.Metric("recovery_s", first ?? double.NaN, "s");
            report.Metric("recovery_all_s", all ?? double.NaN, "s");
            report.Metric("recovery_end_s", ended.Value, "s");
            report.Metric("recovery_succeeded", succeeded, "count");
            report.Metric("recovery_failed", rows.Count - succeeded, "count");
            BenchReport.Note($"{killedTasks.Count} of {taskCount} tasks were on the killed silo; all {rows.Count} ended {ended:0.0} s after the kill, {succeeded} Succeeded; " +
                $"attempts per task: {string.Join(" ", rows.OrderBy(r => r.Key).Select(r => r.Attempts))}");
            foreach (var r in rows.Where(r => r.Status != "Succeeded"))
            {
                BenchReport.Note($"not Succeeded: {r}");
            }
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }

            if (Directory.Exists(buckets))
            {
                Directory.Delete(buckets, recursive: true);
            }
        }
    }

    private sealed record Row(string Key, string? Worker, string? Phase, string? Status, int Attempts, int Progress);

    private static async Task<List<Row>> RowsAsync(NpgsqlDataSource data, CancellationToken cancellationToken)
    {
        await using var cmd = data.CreateCommand(
            "SELECT grain_key, state->>'Worker', state->>'Phase', state->>'Status', coalesce((state->>'Attempts')::int, 0), coalesce((state->>'Progress')::int, 0) " +
            "FROM grain_index WHERE grain_type = 'task-fileuncompression'");
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var rows = new List<Row>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new Row(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt32(4), reader.GetInt32(5)));
        }

        return rows;
    }

    private static async Task<bool> IsDeclaredDeadAsync(NpgsqlDataSource data, string siloName, CancellationToken cancellationToken)
    {
        await using var cmd = data.CreateCommand("SELECT count(*) FROM orleans_membership WHERE silo_name = $1 AND status = $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = siloName });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Dead });
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    private static async Task CallAsync(HttpClient http, SiloProcess silo, string pathAndQuery, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(silo.BaseAddress, pathAndQuery), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{silo.Name}: {(int)response.StatusCode} {body}");
        }

        _ = JsonDocument.Parse(body);
    }

    /// <summary>A zip of 1 MiB entries of random bytes, stored (no compression): extraction time is copying, not decoding.</summary>
    private static string EnsureStoredZip(string path, int megabytes)
    {
        if (File.Exists(path))
        {
            return path;
        }

        var tmp = path + ".tmp";
        var rng = new Random(20261203);
        var block = new byte[1024 * 1024];
        using (var zip = ZipFile.Open(tmp, ZipArchiveMode.Create))
        {
            for (var i = 0; i < megabytes; i++)
            {
                using var s = zip.CreateEntry($"part{i / 50:00}/blob-{i:0000}.bin", CompressionLevel.NoCompression).Open();
                rng.NextBytes(block);
                s.Write(block);
            }
        }

        File.Move(tmp, path);
        return path;
    }
}
