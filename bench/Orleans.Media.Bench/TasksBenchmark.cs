using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Orleans.Media.Testing;

namespace Orleans.Media.Bench;

/// <summary>
/// <c>deploy/bench.sh tasks [--seconds 10] [--concurrency 64] [--warmup 30] [--tiny 2000] [--api-only]</c>: the IMM file-decompression task path
/// on one in-process silo (the real host) on PostgreSQL over loopback HTTP, every request signed (V2):
/// <list type="bullet">
/// <item><c>create</c>: CreateFileUncompressionTask calls/s with p50/p99 (silo with the api role only, so the queued
/// extractions do not run during the measurement);</item>
/// <item><c>gettask</c>: GetTask calls/s on those tasks with p50/p99;</item>
/// <item><c>e2e</c>: tiny-archive tasks/s from the first create to the last Succeeded (api + worker, fresh database);</item>
/// <item><c>bsdtar_ratio</c>: a ~1 GB zip of ~2,000 mixed entries (generated once under the bench dir) as a task,
/// wall time from create to Succeeded, against <c>bsdtar -xf</c> of the same file from the local bucket folder
/// (throughput ratio task/bsdtar).</item>
/// </list>
/// The load generator (<see cref="HttpLoad"/>: keep-alive sockets, requests signed before the timed window) runs in
/// the same process and shares the machine's two cores with the silo and PostgreSQL.
/// </summary>
public sealed class TasksBenchmark : IBenchScenario
{
    private const string Project = "bench-tasks";

    public string Name => "tasks";

    public async Task RunAsync(BenchReport report, string workDir, string[] args, CancellationToken cancellationToken)
    {
        var seconds = Option(args, "--seconds", 10);
        var concurrency = Option(args, "--concurrency", 64);
        var tinyTasks = Option(args, "--tiny", 2000);
        var warmup = TimeSpan.FromSeconds(Option(args, "--warmup", 30));
        var bigZip = Path.Combine(workDir, "big.zip");
        var unpacked = BenchArchives.EnsureBigZip(bigZip);

        // Phase 1: API only (no worker), so create and GetTask are measured without extractions competing.
        List<string> created;
        await using (var db = await PostgresDatabase.CreateAsync())
        await using (var silo = await BenchSilo.StartAsync(workDir, db.ConnectionString, "api", Project, cancellationToken))
        {
            await silo.CreateProjectAsync(cancellationToken);
            silo.PutObject("tiny.zip", TinyZip());
            // Warm-up until the JIT's tiers settle, then the timed window; requests are signed before each window.
            await WarmUpAsync(silo, concurrency, warmup, "create", c => c.CreateTaskPath("oss://bench/tiny.zip"), cancellationToken);
            var create = await LoadAsync(silo, concurrency, TimeSpan.FromSeconds(seconds), c => c.CreateTaskPath("oss://bench/tiny.zip"), cancellationToken);
            create.Load.Report(report, "create");
            created = create.TaskIds;

            var ids = created.ToArray();
            var next = 0;
            await WarmUpAsync(silo, concurrency, warmup, "gettask", c => c.GetTaskPath(ids[Interlocked.Increment(ref next) % ids.Length]), cancellationToken);
            var get = await LoadAsync(silo, concurrency, TimeSpan.FromSeconds(seconds), c => c.GetTaskPath(ids[Interlocked.Increment(ref next) % ids.Length]), cancellationToken);
            get.Load.Report(report, "gettask");
            BenchReport.Note($"{create.Load.Count} creates, {get.Load.Count} GetTask in {seconds} s each, {concurrency} concurrent, {Environment.ProcessorCount} cores shared with the load generator and PostgreSQL");
        }

        if (args.Contains("--api-only"))
        {
            return;
        }

        // Phase 2: API + worker on a fresh database: tiny tasks end to end, then the 1 GB zip against bsdtar.
        await using (var db = await PostgresDatabase.CreateAsync())
        await using (var silo = await BenchSilo.StartAsync(workDir, db.ConnectionString, "api,worker", Project, cancellationToken))
        {
            await silo.CreateProjectAsync(cancellationToken);
            silo.PutObject("tiny.zip", TinyZip());
            var stopwatch = Stopwatch.StartNew();
            using var gate = new SemaphoreSlim(concurrency);
            var ids = await Task.WhenAll(Enumerable.Range(0, tinyTasks).Select(async i =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    var answer = await silo.Client.SendAsync(silo.CreateTask("oss://bench/tiny.zip", $"oss://bench/tiny-out/{i}/"), cancellationToken);
                    return await BenchSilo.TaskIdAsync(answer, cancellationToken);
                }
                finally
                {
                    gate.Release();
                }
            }));
            await silo.WaitForEndedAsync(ids.Length, TimeSpan.FromMinutes(10), cancellationToken);
            var e2eSeconds = stopwatch.Elapsed.TotalSeconds;
            var failed = await silo.CountAsync(Orleans.Media.Grains.Tasks.TaskStatus.Failed, cancellationToken);
            report.Metric("e2e", ids.Length / e2eSeconds, "per_s");
            report.Metric("e2e_failed", failed, "count");
            BenchReport.Note($"{ids.Length} tiny-archive tasks created and Succeeded in {e2eSeconds:0.0} s");

            // The 1 GB zip: a task (create → Succeeded) vs bsdtar -xf of the same file.
            var bucketCopy = silo.BucketPath("big.zip");
            File.Copy(bigZip, bucketCopy, overwrite: true);
            stopwatch.Restart();
            var bigId = await BenchSilo.TaskIdAsync(await silo.Client.SendAsync(silo.CreateTask("oss://bench/big.zip", "oss://bench/big-out/"), cancellationToken), cancellationToken);
            var status = await silo.WaitForTaskAsync(bigId, TimeSpan.FromMinutes(15), cancellationToken);
            var taskSeconds = stopwatch.Elapsed.TotalSeconds;
            if (status != "Succeeded")
            {
                throw new InvalidOperationException($"The 1 GB task ended {status}.");
            }

            var scratch = Path.Combine(workDir, "bsdtar-out");
            Clean(scratch);
            stopwatch.Restart();
            Run(scratch, "bsdtar", "-xf", bucketCopy);
            var bsdtarSeconds = stopwatch.Elapsed.TotalSeconds;
            Clean(scratch);
            Clean(silo.BucketPath("big-out"));
            Clean(silo.BucketPath("tiny-out"));
            report.Metric("task_1gb_mibs", unpacked / 1048576.0 / taskSeconds, "MiB/s");
            report.Metric("bsdtar_1gb_mibs", unpacked / 1048576.0 / bsdtarSeconds, "MiB/s");
            report.Metric("bsdtar_ratio", bsdtarSeconds / taskSeconds, "x");
            BenchReport.Note($"1 GB zip ({new FileInfo(bigZip).Length / 1048576} MiB packed, {unpacked / 1048576} MiB unpacked): task {taskSeconds:0.0} s, bsdtar {bsdtarSeconds:0.0} s");
        }
    }

    /// <summary>
    /// Loads the silo for <paramref name="duration"/> in 5 s windows and notes each window's rate. Measured on this
    /// machine: under a 2-core load the silo runs dynamic-PGO instrumented code (Npgsql, System.Text.Json, our own)
    /// for 10–20 s before the tier-1 code replaces it, and create runs at 1,800–2,500/s in that phase against
    /// 3,000+/s after it; the timed window measures the steady state a long-running silo serves at.
    /// </summary>
    private static async Task WarmUpAsync(
        BenchSilo silo, int concurrency, TimeSpan duration, string name, Func<BenchSilo, string> request, CancellationToken cancellationToken)
    {
        var rates = new List<string>();
        for (var left = duration; left > TimeSpan.Zero; left -= TimeSpan.FromSeconds(5))
        {
            var window = left < TimeSpan.FromSeconds(5) ? left : TimeSpan.FromSeconds(5);
            var load = await LoadAsync(silo, concurrency, window, request, cancellationToken);
            rates.Add((load.Load.Count / load.Load.Elapsed.TotalSeconds).ToString("0", CultureInfo.InvariantCulture));
        }

        BenchReport.Note($"{name} warm-up, per 5 s window: {string.Join(", ", rates)} /s");
    }

    private static async Task<LoadResult> LoadAsync(
        BenchSilo silo, int concurrency, TimeSpan duration, Func<BenchSilo, string> request, CancellationToken cancellationToken)
    {
        var ids = Enumerable.Range(0, concurrency).Select(_ => new List<string>()).ToArray();
        var load = await HttpLoad.RunAsync(silo.Address, concurrency, duration, _ => request(silo), (worker, body) =>
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("TaskId", out var id) && doc.RootElement.TryGetProperty("EventId", out _))
            {
                ids[worker].Add(id.GetString()!);
            }
        }, cancellationToken);
        return new LoadResult(load, [.. ids.SelectMany(i => i)]);
    }

    /// <summary>A zip of three small files (two text, one binary).</summary>
    private static byte[] TinyZip()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, size) in new[] { ("a.txt", 300), ("d/b.txt", 1200), ("d/c.bin", 4000) })
            {
                using var s = zip.CreateEntry(name).Open();
                var data = new byte[size];
                new Random(size).NextBytes(data);
                s.Write(data);
            }
        }

        return buffer.ToArray();
    }

    private static void Run(string workingDirectory, string file, params string[] args)
    {
        Directory.CreateDirectory(workingDirectory);
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} failed: {error}");
        }
    }

    private static void Clean(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private sealed record LoadResult(HttpLoad.Result Load, List<string> TaskIds);
}
