using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Testing;

namespace Orleans.Media.Bench;

/// <summary>
/// <c>deploy/bench.sh tasks [api] [e2e] [bsdtar] [recovery] [--seconds 30] [--rounds 6] [--concurrency 64] [--warmup 120] [--tiny 2000]
/// [--recovery-tasks 9] [--recovery-mb 300] [--reminder-period hh:mm:ss] [--auto-prepare N] [--no-profile] [--hold noop|create|gettask SECONDS] [--set key=value]</c>: the IMM file-decompression task path on Orleans. With no part named,
/// every part runs (in this order); naming parts runs only those (<c>--api-only</c> = <c>api</c>).
/// <list type="bullet">
/// <item><c>api</c>: one in-process silo (the real host, api + worker roles: task grains live on workers) on
/// PostgreSQL over loopback HTTP, every request signed (V2). Side by side, in alternating windows: the bench-only
/// signed no-op (<see cref="BenchSilo.NoopAction"/>: the whole pipeline, no grain, no write), CreateFileUncompressionTask
/// and GetTask; <c>create_ratio</c> = create/s ÷ no-op/s, <c>gettask_ratio</c> = GetTask/s ÷ no-op/s, each the median
/// of the rounds' own ratios (a round is one window of each kind, seconds apart, so work the machine runs beside
/// the bench weighs on both sides of a round's ratio), with the pooled ratio, min and max beside it. Rounds alternate
/// between two orders (no-op, create, GetTask and no-op, GetTask, create), so no kind is always measured in a
/// creation's wake; each ratio is also noted per order. The project's
/// EngineConcurrency is 1, so the created tasks wait in the queue (one tiny extraction at a time drains it) instead of
/// extracting during the measurement. Per window it also notes PostgreSQL commits and rows written per request.
/// After the rounds, the floors under each (a new activation with one durable write, a listing row written ahead, one
/// grain call) and the ceilings they leave the ratios (<c>create_ratio_ceiling</c>, <c>gettask_ratio_ceiling</c>).</item>
/// <item><c>e2e</c>: tiny-archive tasks/s from the first create to the last Succeeded (fresh database).</item>
/// <item><c>bsdtar</c>: a ~1 GB zip of ~2,000 mixed entries (generated once under the bench dir) as a task, wall time
/// from create to Succeeded, against <c>bsdtar -xf</c> of the same file (throughput ratio task/bsdtar).</item>
/// <item><c>recovery</c>: 3 silo processes on one PostgreSQL (<see cref="TasksRecovery"/>), kill -9 of the busiest
/// extracting silo, time to the work resuming elsewhere.</item>
/// </list>
/// The load generator (<see cref="HttpLoad"/>: keep-alive sockets, requests signed before the timed window) runs in
/// the same process and shares the machine's two cores with the silo and PostgreSQL.
/// </summary>
public sealed class TasksBenchmark : IBenchScenario
{
    private const string Project = "bench-tasks";
    private static readonly string[] Parts = ["api", "e2e", "bsdtar", "recovery"];

    public string Name => "tasks";

    public async Task RunAsync(BenchReport report, string workDir, string[] args, CancellationToken cancellationToken)
    {
        var named = Parts.Where(p => args.Contains(p, StringComparer.OrdinalIgnoreCase)).ToHashSet();
        if (args.Contains("--api-only"))
        {
            named.Add("api");
        }

        bool Runs(string part) => named.Count == 0 || named.Contains(part);
        if (Runs("api"))
        {
            await RunApiAsync(report, workDir, args, cancellationToken);
        }

        if (Runs("e2e") || Runs("bsdtar"))
        {
            await RunWorkAsync(report, workDir, args, Runs("e2e"), Runs("bsdtar"), cancellationToken);
        }

        if (Runs("recovery"))
        {
            await TasksRecovery.RunAsync(report, workDir, args, cancellationToken);
        }
    }

    private static async Task RunApiAsync(BenchReport report, string workDir, string[] args, CancellationToken cancellationToken)
    {
        var seconds = Option(args, "--seconds", 30);
        var rounds = Option(args, "--rounds", 6);
        var concurrency = Option(args, "--concurrency", 64);
        // Creation runs far more distinct code than the no-op (grains, storage, streams): on two loaded cores the
        // JIT was still tiering it up (10–13 % of the process's CPU) after 30 s, and create warmed from ~100/s to
        // ~350/s over about 70 s. The timed windows measure the steady state: 120 s of create warm-up by default.
        var warmup = TimeSpan.FromSeconds(Option(args, "--warmup", 120));
        var window = TimeSpan.FromSeconds(seconds / (double)rounds);
        await using var db = await PostgresDatabase.CreateAsync();
        // --reminder-period 00:05:00: the work reminders of started tasks and of notifications
        // (OrleansMedia:Work:ReminderPeriod, 10 s by default) tick rarely; queued tasks hold none.
        var settings = new Dictionary<string, string?>();
        if (Array.IndexOf(args, "--reminder-period") is var at and >= 0 && at + 1 < args.Length)
        {
            settings["OrleansMedia:Work:ReminderPeriod"] = args[at + 1];
            BenchReport.Note($"OrleansMedia:Work:ReminderPeriod = {args[at + 1]}");
        }

        // --set key=value (repeatable): any silo setting, for side-by-side trials of a configuration.
        for (var i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] == "--set" && args[i + 1].Split('=', 2) is [var key, var value])
            {
                settings[key] = value;
                BenchReport.Note($"{key} = {value}");
            }
        }

        var autoPrepare = Option(args, "--auto-prepare", 0);
        var siloConnection = autoPrepare > 0
            ? new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString) { MaxAutoPrepare = autoPrepare }.ConnectionString
            : db.ConnectionString;
        if (autoPrepare > 0)
        {
            BenchReport.Note($"silo connection string: Max Auto Prepare={autoPrepare}");
        }

        await using var silo = await BenchSilo.StartAsync(workDir, siloConnection, "api,worker", Project, cancellationToken, settings);
        await silo.CreateProjectAsync(cancellationToken, engineConcurrency: 1);
        silo.PutObject("tiny.zip", TinyZip());
        var created = new List<string>();
        var next = 0;
        Func<BenchSilo, string> noop = c => c.NoopPath();
        Func<BenchSilo, string> create = c => c.CreateTaskPath("oss://bench/tiny.zip");
        Func<BenchSilo, string> get = c => c.GetTaskPath(created[(int)((uint)Interlocked.Increment(ref next) % (uint)created.Count)]);

        // Warm-up until the JIT's tiers settle (a fresh silo runs tier-0, then instrumented code), then the timed
        // windows; requests are signed before each window.
        await WarmUpAsync(silo, concurrency, warmup / 3, "noop", noop, cancellationToken);
        created.AddRange(await WarmUpAsync(silo, concurrency, warmup, "create", create, cancellationToken));
        await WarmUpAsync(silo, concurrency, warmup / 2, "gettask", get, cancellationToken);

        // --hold <noop|create|gettask> <seconds>: one long window of that request alone after the warm-up, announced
        // on stderr with this process's id, for attaching a profiler (perf, dotnet-trace) to a single request kind.
        if (Array.IndexOf(args, "--hold") is var hold and >= 0 && hold + 2 < args.Length)
        {
            var kind = args[hold + 1];
            var request = kind switch { "noop" => noop, "create" => create, _ => get };
            Console.Error.WriteLine($"BENCH-HOLD {kind} start pid={Environment.ProcessId}");
            var held = await LoadAsync(silo, concurrency, TimeSpan.FromSeconds(int.Parse(args[hold + 2], CultureInfo.InvariantCulture)), request, kind == "create", cancellationToken);
            Console.Error.WriteLine($"BENCH-HOLD {kind} end: {held.Load.Count} requests");
            created.AddRange(held.TaskIds);
        }

        var results = new Dictionary<string, List<HttpLoad.Result>> { ["noop"] = [], ["create"] = [], ["gettask"] = [] };
        var commits = new Dictionary<string, List<DatabaseActivity>> { ["noop"] = [], ["create"] = [], ["gettask"] = [] };
        // A creation leaves work behind its window that the next window pays for (what it allocated is still to be
        // collected, what it wrote still to be vacuumed and flushed): GetTask measured 0.71-0.73 when it always came
        // right after the creations, 0.85 (median) after the no-op. The rounds alternate between two orders, so
        // GetTask follows a creation in half of them and the no-op in the other half, and each kind follows each of
        // the others about as often: no kind is measured always in a creation's wake.
        (string Name, Func<BenchSilo, string> Request)[] createFirst = [("noop", noop), ("create", create), ("gettask", get)];
        (string Name, Func<BenchSilo, string> Request)[] getFirst = [("noop", noop), ("gettask", get), ("create", create)];
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, request) in round % 2 == 0 ? createFirst : getFirst)
            {
                var before = await DatabaseActivityAsync(db.ConnectionString, cancellationToken);
                var load = await LoadAsync(silo, concurrency, window, request, name == "create", cancellationToken);
                var after = await DatabaseActivityAsync(db.ConnectionString, cancellationToken);
                results[name].Add(load.Load);
                commits[name].Add(after - before);
                if (name == "create")
                {
                    created.AddRange(load.TaskIds);
                }
            }
        }

        var merged = results.ToDictionary(r => r.Key, r => Merge(r.Value));
        merged["noop"].Report(report, "noop");
        merged["create"].Report(report, "create");
        merged["gettask"].Report(report, "gettask");
        foreach (var kind in new[] { "create", "gettask" })
        {
            var byRound = results[kind].Zip(results["noop"], (k, n) => Rate(k) / Rate(n)).ToList();
            var perRound = byRound.Order().ToList();
            report.Metric(kind + "_ratio", BenchReport.Median(perRound), "x");
            report.Metric(kind + "_ratio_pooled", Rate(merged[kind]) / Rate(merged["noop"]), "x");
            report.Metric(kind + "_ratio_min", perRound[0], "x");
            report.Metric(kind + "_ratio_max", perRound[^1], "x");
            // What a request costs in CPU, whole (silo, generator and PostgreSQL), against the no-op: the ratio the
            // rates would show on a machine doing nothing else.
            report.Metric(kind + "_cpu_ratio", CpuPerRequest(merged["noop"]) / CpuPerRequest(merged[kind]), "x");

            // The rounds' ratios by their order, to show what the order weighs.
            string Rounds(int parity) => string.Join(", ", byRound.Where((_, round) => round % 2 == parity).Select(r => r.ToString("0.000", CultureInfo.InvariantCulture)));
            BenchReport.Note($"{kind}_ratio by round: in rounds ordered no-op, create, GetTask {Rounds(0)}; in rounds ordered no-op, GetTask, create {Rounds(1)}");
        }
        foreach (var (name, list) in commits)
        {
            var requests = Math.Max(1, merged[name].Count + merged[name].Errors);
            BenchReport.Note($"{name}: {list.Sum(c => c.Commits) / (double)requests:0.00} PostgreSQL transactions (reads included) and {list.Sum(c => c.Rows) / (double)requests:0.00} rows inserted/updated/deleted per request (whole database, background work included); " +
                $"WAL {list.Sum(c => c.WalBytes) / 1024.0 / requests:0.0} KiB, {list.Sum(c => c.WalFullPages) / (double)requests:0.00} full-page images, {list.Sum(c => c.WalSyncs) / (double)requests:0.000} WAL syncs per request");
        }

        // The floors under a creation, measured beside it. A creation does everything the no-op does (HTTP,
        // signature, nonce) and, at the least, what the issue's design requires of it: a new activation with one
        // durable state write (Orleans and its ADO.NET provider, called in-process: no HTTP, signature, nonce, index
        // row or event; the read skipped as for a new task), and the task's listing row written ahead (the same
        // IGrainIndex call with a created task's own view, under a grain type no query reads). With every other line
        // of a creation free, the ratio could be no higher than create_ratio_ceiling.
        var floor = await ActivateAndWriteAsync(silo, concurrency, window, cancellationToken);
        report.Metric("floor_activate_write", floor.Count / floor.Elapsed.TotalSeconds, "per_s");
        report.Metric("floor_activate_write_cpu", floor.CpuTime.TotalMicroseconds / Math.Max(1, floor.Count), "us_per_call");
        report.Metric("floor_activate_write_pg_cpu", floor.PostgresCpuTime.TotalMicroseconds / Math.Max(1, floor.Count), "us_per_call");
        var view = await silo.Services.GetRequiredService<IGrainFactory>()
            .GetGrain<Orleans.Media.Grains.FileUncompression.IFileUncompressionTaskGrain>(created[^1]).Get();
        var row = await IndexRowAsync(silo, view.ForIndex(), concurrency, window, cancellationToken);
        report.Metric("floor_index_row", row.Count / row.Elapsed.TotalSeconds, "per_s");
        report.Metric("floor_index_row_cpu", row.CpuTime.TotalMicroseconds / Math.Max(1, row.Count), "us_per_call");
        report.Metric("floor_index_row_pg_cpu", row.PostgresCpuTime.TotalMicroseconds / Math.Max(1, row.Count), "us_per_call");
        var noopCpu = CpuPerRequest(merged["noop"]);
        report.Metric("create_ratio_ceiling", noopCpu / (noopCpu + WholeCpuPerCall(floor) + WholeCpuPerCall(row)), "x");

        // GetTask's floor: the no-op's pipeline and one Orleans call to an activated task (Get, in-process, on the
        // tasks the GetTask windows read), with everything else (the view, the larger answer) free.
        var call = await GrainCallAsync(silo, created, concurrency, window, cancellationToken);
        report.Metric("floor_grain_call", call.Count / call.Elapsed.TotalSeconds, "per_s");
        report.Metric("floor_grain_call_cpu", call.CpuTime.TotalMicroseconds / Math.Max(1, call.Count), "us_per_call");
        report.Metric("gettask_ratio_ceiling", noopCpu / (noopCpu + WholeCpuPerCall(call)), "x");

        // Profile (untimed: tracing costs CPU): a window of each kind with every PostgreSQL command and Orleans'
        // counters recorded, per request.
        if (!args.Contains("--no-profile"))
        {
            using var profile = new RequestProfile();
            using var allocations = new AllocationProfile();
            foreach (var (name, request) in new[] { ("noop", noop), ("create", create), ("gettask", get) })
            {
                profile.Reset();
                allocations.Reset();
                profile.Enabled = allocations.Enabled = true;
                var load = await LoadAsync(silo, concurrency, window, request, name == "create", cancellationToken);
                profile.Enabled = allocations.Enabled = false;
                profile.Note(name, load.Load.Count + load.Load.Errors);
                allocations.Note(name, load.Load.Count + load.Load.Errors);
                if (name == "create")
                {
                    created.AddRange(load.TaskIds);
                }
            }
        }

        var ended = await silo.CountAsync(null, cancellationToken) - await silo.CountAsync(Orleans.Media.Grains.Tasks.TaskStatus.Running, cancellationToken);
        BenchReport.Note($"{merged["noop"].Count} no-ops, {merged["create"].Count} creates, {merged["gettask"].Count} GetTask in {rounds} alternating rounds of a window of {window.TotalSeconds:0.#} s each, {concurrency} concurrent; " +
            $"{created.Count} tasks created in all, {ended} of them extracted so far (EngineConcurrency 1); {Environment.ProcessorCount} cores shared with the load generator and PostgreSQL");
        // What the live activations cost in memory (every created task stays activated until idle collection).
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        BenchReport.Note($"after a full collection: GC heap {GC.GetTotalMemory(false) / 1048576.0:0} MiB, working set {Environment.WorkingSet / 1048576.0:0} MiB, " +
            $"{GC.GetTotalMemory(false) / (double)Math.Max(1, created.Count):0} bytes of heap per task created");
    }

    private static async Task RunWorkAsync(BenchReport report, string workDir, string[] args, bool e2e, bool bsdtar, CancellationToken cancellationToken)
    {
        var concurrency = Option(args, "--concurrency", 64);
        var tinyTasks = Option(args, "--tiny", 2000);

        // API + worker on a fresh database: tiny tasks end to end, then the 1 GB zip against bsdtar.
        await using (var db = await PostgresDatabase.CreateAsync())
        await using (var silo = await BenchSilo.StartAsync(workDir, db.ConnectionString, "api,worker", Project, cancellationToken))
        {
            await silo.CreateProjectAsync(cancellationToken);
            silo.PutObject("tiny.zip", TinyZip());
            var stopwatch = Stopwatch.StartNew();
            if (e2e)
            {
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
                BenchReport.Note($"{ids.Length} tiny-archive tasks created and ended in {e2eSeconds:0.0} s");
                Clean(silo.BucketPath("tiny-out"));
            }

            if (!bsdtar)
            {
                return;
            }

            // The 1 GB zip: a task (create → Succeeded) vs bsdtar -xf of the same file.
            var bigZip = Path.Combine(workDir, "big.zip");
            var unpacked = BenchArchives.EnsureBigZip(bigZip);
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
            report.Metric("task_1gb_mibs", unpacked / 1048576.0 / taskSeconds, "MiB/s");
            report.Metric("bsdtar_1gb_mibs", unpacked / 1048576.0 / bsdtarSeconds, "MiB/s");
            report.Metric("bsdtar_ratio", bsdtarSeconds / taskSeconds, "x");
            BenchReport.Note($"1 GB zip ({new FileInfo(bigZip).Length / 1048576} MiB packed, {unpacked / 1048576} MiB unpacked): task {taskSeconds:0.0} s, bsdtar {bsdtarSeconds:0.0} s");
        }
    }

    private static double Rate(HttpLoad.Result result) => result.Count / result.Elapsed.TotalSeconds;

    private static double CpuPerRequest(HttpLoad.Result result) =>
        (result.CpuTime + result.PostgresCpuTime).TotalMicroseconds / Math.Max(1, result.Count + result.Errors);

    /// <summary>Calls on fresh grain ids (each a new activation whose state is written once, durably) for
    /// <paramref name="duration"/>, <paramref name="concurrency"/> at a time.</summary>
    private static Task<FloorResult> ActivateAndWriteAsync(BenchSilo silo, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        var newIds = silo.Services.GetRequiredService<Orleans.Media.Persistence.Hosting.NewGrainIds>();
        return RunFloorAsync(concurrency, duration, async () =>
        {
            var grain = grains.GetGrain<IBenchCounterGrain>("floor-" + Guid.NewGuid().ToString("N"));
            using (newIds.Creating(grain.GetGrainId()))
            {
                await grain.Increment();
            }
        }, cancellationToken);
    }

    /// <summary>Listing rows of new task ids written ahead, as a creation writes its task's: the same call, the same
    /// view, version-7 ids, one partition; under their own grain type, so no listing or queue of the bench sees them.</summary>
    private static Task<FloorResult> IndexRowAsync<TView>(BenchSilo silo, TView view, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        var index = silo.Services.GetRequiredService<Orleans.Media.Grains.Indexing.StateIndex>();
        return RunFloorAsync(concurrency, duration,
            () => index.WriteAheadAsync("bench-floor-index", $"FileUncompression-{Guid.CreateVersion7()}", Project, 1, view), cancellationToken);
    }

    /// <summary>Get on activated tasks picked at random from <paramref name="taskIds"/>, as GetTask's windows pick them.</summary>
    private static Task<FloorResult> GrainCallAsync(BenchSilo silo, List<string> taskIds, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        return RunFloorAsync(concurrency, duration,
            () => grains.GetGrain<Orleans.Media.Grains.FileUncompression.IFileUncompressionTaskGrain>(taskIds[Random.Shared.Next(taskIds.Count)]).Get(),
            cancellationToken);
    }

    /// <summary><paramref name="call"/> for <paramref name="duration"/>, <paramref name="concurrency"/> at a time, with
    /// this process's CPU and the bench PostgreSQL's beside it.</summary>
    private static async Task<FloorResult> RunFloorAsync(int concurrency, TimeSpan duration, Func<Task> call, CancellationToken cancellationToken)
    {
        long count = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var host = HostCpu.Take();
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (stopwatch.Elapsed < duration && !cancellationToken.IsCancellationRequested)
            {
                await call();
                Interlocked.Increment(ref count);
            }
        }, cancellationToken)));
        return new FloorResult(count, stopwatch.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpu, HostCpu.PostgresTime(host, HostCpu.Take()));
    }

    private static double WholeCpuPerCall(FloorResult floor) => (floor.CpuTime + floor.PostgresCpuTime).TotalMicroseconds / Math.Max(1, floor.Count);

    private sealed record FloorResult(long Count, TimeSpan Elapsed, TimeSpan CpuTime, TimeSpan PostgresCpuTime);

    private static HttpLoad.Result Merge(List<HttpLoad.Result> results) => new(
        results.Sum(r => r.Count), results.Sum(r => r.Errors), [.. results.SelectMany(r => r.LatenciesMs)],
        TimeSpan.FromTicks(results.Sum(r => r.Elapsed.Ticks)), TimeSpan.FromTicks(results.Sum(r => r.CpuTime.Ticks)),
        results.Sum(r => r.AllocatedBytes), TimeSpan.FromTicks(results.Sum(r => r.GcPause.Ticks)),
        TimeSpan.FromTicks(results.Sum(r => r.PostgresCpuTime.Ticks)), results.Average(r => r.MachineBusy));

    /// <summary>What the benchmark's PostgreSQL has done so far: commits and rows written in the database, WAL bytes,
    /// full-page images and WAL syncs of the whole server (pg_stat_database and pg_stat_wal; the statistics lag by up
    /// to half a second, so read per window they are approximate).</summary>
    private readonly record struct DatabaseActivity(long Commits, long Rows, long WalBytes, long WalFullPages, long WalSyncs)
    {
        public static DatabaseActivity operator -(DatabaseActivity a, DatabaseActivity b) =>
            new(a.Commits - b.Commits, a.Rows - b.Rows, a.WalBytes - b.WalBytes, a.WalFullPages - b.WalFullPages, a.WalSyncs - b.WalSyncs);
    }

    private static async Task<DatabaseActivity> DatabaseActivityAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var conn = new Npgsql.NpgsqlConnection(connectionString);
        await conn.OpenAsync(cancellationToken);
        await using var cmd = new Npgsql.NpgsqlCommand(
            "SELECT pg_stat_clear_snapshot(); SELECT d.xact_commit, d.tup_inserted + d.tup_updated + d.tup_deleted, w.wal_bytes::bigint, w.wal_fpi, w.wal_sync " +
            "FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = current_database()", conn);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }

    /// <summary>
    /// Loads the silo for <paramref name="duration"/> in 5 s windows and notes each window's rate. Measured on this
    /// machine: under a 2-core load the silo runs dynamic-PGO instrumented code (Npgsql, System.Text.Json, our own)
    /// for 10–20 s before the tier-1 code replaces it, and create runs at 1,800–2,500/s in that phase against
    /// 3,000+/s after it; the timed window measures the steady state a long-running silo serves at.
    /// </summary>
    private static async Task<List<string>> WarmUpAsync(
        BenchSilo silo, int concurrency, TimeSpan duration, string name, Func<BenchSilo, string> request, CancellationToken cancellationToken)
    {
        var rates = new List<string>();
        var created = new List<string>();
        for (var left = duration; left > TimeSpan.Zero; left -= TimeSpan.FromSeconds(5))
        {
            var window = left < TimeSpan.FromSeconds(5) ? left : TimeSpan.FromSeconds(5);
            var load = await LoadAsync(silo, concurrency, window, request, name == "create", cancellationToken);
            rates.Add((load.Load.Count / load.Load.Elapsed.TotalSeconds).ToString("0", CultureInfo.InvariantCulture));
            created.AddRange(load.TaskIds);
        }

        BenchReport.Note($"{name} warm-up, per 5 s window: {string.Join(", ", rates)} /s");
        return created;
    }

    private static async Task<LoadResult> LoadAsync(
        BenchSilo silo, int concurrency, TimeSpan duration, Func<BenchSilo, string> request, bool collectTaskIds, CancellationToken cancellationToken)
    {
        var ids = Enumerable.Range(0, concurrency).Select(_ => new List<string>()).ToArray();
        // Only creations' answers are read (for their TaskId): parsing every answer would charge each kind the
        // generator's JSON work in proportion to its body, not the silo's.
        var load = await HttpLoad.RunAsync(silo.Address, concurrency, duration, _ => request(silo), !collectTaskIds ? null : (worker, body) =>
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

    internal static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private sealed record LoadResult(HttpLoad.Result Load, List<string> TaskIds);
}
