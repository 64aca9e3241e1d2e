using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Media.Runtime;
using Orleans.Media.Testing;

namespace Orleans.Media.Bench;

/// <summary>
/// <c>deploy/bench.sh runtime</c>: grain turns with a state write (64 callers over 1,000 grains) against a
/// hand-written BEGIN; SELECT … FOR UPDATE; UPDATE; COMMIT loop doing the same work on an identical table, and the
/// job path schedule → claim → run → outcome turn on one silo. PostgreSQL with durability on (fsync).
/// </summary>
public sealed class RuntimeBenchmark : IBenchScenario
{
    private const int Callers = 64;
    private const int Grains = 1000;
    private const int Rounds = 3;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(5);
    private const int Jobs = 6000;

    public string Name => "runtime";

    public async Task RunAsync(BenchReport report, string workDir, string[] args, CancellationToken cancellationToken)
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var cs = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = Callers + 8, MaxAutoPrepare = 64 }.ConnectionString;
        using var host = await StartSiloAsync(cs, cancellationToken);
        var grains = host.Services.GetRequiredService<IGrainFactory>();

        // Warm-up: create every grain row, JIT, fill the pool.
        await Task.WhenAll(Enumerable.Range(0, Grains).Select(i => grains.GetGrain<IBenchCounterGrain>("g" + i).Increment()));
        await RunTurnsAsync(i => grains.GetGrain<IBenchCounterGrain>("g" + i).Increment(), TimeSpan.FromSeconds(3));
        if (!args.Contains("jobs", StringComparer.OrdinalIgnoreCase))
        {
            await RunTurnRoundsAsync(report, cs, grains, cancellationToken);
        }

        // "jobs" alone (deploy/bench.sh runtime jobs) skips the turn rounds: the job figures, measured the same way.
        var query = host.Services.GetRequiredService<IGrainStateQuery>();
        report.Metric("jobs", await RunBatchJobsAsync(grains, query, cancellationToken), "per_s");
        report.Metric("jobs_one_per_turn", await RunTaskJobsAsync(grains, query, cancellationToken), "per_s");
        await host.StopAsync(cancellationToken);
    }

    private static async Task RunTurnRoundsAsync(BenchReport report, string cs, IGrainFactory grains, CancellationToken cancellationToken)
    {
        // Alternate runtime and hand-written rounds so both see the same background load.
        await using var handwritten = await HandwrittenLoop.CreateAsync(cs, cancellationToken);
        await RunTurnsAsync(handwritten.TurnAsync, TimeSpan.FromSeconds(3));
        long turns = 0, manual = 0;
        var latencies = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            var (count, samples) = await RunTurnsAsync(i => grains.GetGrain<IBenchCounterGrain>("g" + i).Increment(), Duration);
            turns += count;
            latencies.AddRange(samples);
            manual += (await RunTurnsAsync(handwritten.TurnAsync, Duration)).Count;
        }

        var seconds = Rounds * Duration.TotalSeconds;
        report.Metric("turns", turns / seconds, "per_s");
        report.Metric("turns_p50", BenchReport.Percentile(latencies, 50), "ms");
        report.Metric("turns_p99", BenchReport.Percentile(latencies, 99), "ms");
        report.Metric("handwritten", manual / seconds, "per_s");
        report.Metric("ratio", (double)turns / manual, "x");
    }

    private static async Task<IHost> StartSiloAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddConsole();
        builder.Services.AddGrainRuntime(o =>
        {
            o.SiloName = "bench";
            // No-op handlers: the slot limit only bounds jobs in flight; more slots mean bigger (fewer) claims.
            o.MaxConcurrentJobs = 256;
        })
            .UsePostgres(connectionString)
            .AddGrain<IBenchCounterGrain, BenchCounterGrain>()
            .AddGrain<IBenchTaskGrain, BenchTaskGrain>()
            .AddGrain<IBenchBatchGrain, BenchBatchGrain>()
            .AddJobHandler<NoopJobHandler>("noop");
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return host;
    }

    /// <summary>64 callers, each picking random grains, for a fixed time; returns the count and latencies (ms).</summary>
    private static async Task<(long Count, List<double> Latencies)> RunTurnsAsync(Func<int, Task> call, TimeSpan duration)
    {
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var perCaller = await Task.WhenAll(Enumerable.Range(0, Callers).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            var samples = new List<double>();
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var start = Stopwatch.GetTimestamp();
                await call(random.Next(Grains));
                samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            return samples;
        })));
        var all = perCaller.SelectMany(s => s).ToList();
        return (all.Count, all);
    }

    /// <summary>The same work by hand on a table shaped like the runtime's: lock the row, bump version and jsonb state.</summary>
    private sealed class HandwrittenLoop : IAsyncDisposable
    {
        private readonly NpgsqlDataSource _dataSource;

        private HandwrittenLoop(NpgsqlDataSource dataSource) => _dataSource = dataSource;

        public static async Task<HandwrittenLoop> CreateAsync(string connectionString, CancellationToken cancellationToken)
        {
            var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var setup = dataSource.CreateCommand(
                "CREATE TABLE bench_rows (grain_type text, grain_key text, version bigint NOT NULL, state jsonb NOT NULL, PRIMARY KEY (grain_type, grain_key));" +
                "INSERT INTO bench_rows SELECT 'counter', 'g' || i, 1, '{\"Count\":0}' FROM generate_series(0, 999) i");
            await setup.ExecuteNonQueryAsync(cancellationToken);
            return new HandwrittenLoop(dataSource);
        }

        public async Task TurnAsync(int i)
        {
            await using var conn = await _dataSource.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            long count;
            await using (var select = new NpgsqlCommand("SELECT version, state->>'Count' FROM bench_rows WHERE grain_type = $1 AND grain_key = $2 FOR UPDATE", conn, tx))
            {
                select.Parameters.Add(new NpgsqlParameter { Value = "counter" });
                select.Parameters.Add(new NpgsqlParameter { Value = "g" + i });
                await using var reader = await select.ExecuteReaderAsync();
                await reader.ReadAsync();
                count = long.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture);
            }

            await using (var update = new NpgsqlCommand("UPDATE bench_rows SET version = version + 1, state = $3::jsonb WHERE grain_type = $1 AND grain_key = $2", conn, tx))
            {
                update.Parameters.Add(new NpgsqlParameter { Value = "counter" });
                update.Parameters.Add(new NpgsqlParameter { Value = "g" + i });
                update.Parameters.Add(new NpgsqlParameter { Value = $"{{\"Count\":{count + 1}}}" });
                await update.ExecuteNonQueryAsync();
            }

            await tx.CommitAsync();
        }

        public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
    }

    /// <summary>
    /// The "jobs" figure: 60 batch grains each schedule 100 jobs in one turn; the worker claims them in batches, runs a
    /// no-op handler and delivers every outcome to its grain as a turn that marks the job done.
    /// Rate = jobs / (first schedule → last outcome committed).
    /// </summary>
    private static async Task<double> RunBatchJobsAsync(IGrainFactory grains, IGrainStateQuery query, CancellationToken cancellationToken)
    {
        const int Batches = Jobs / 100;
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, Batches).Select(i => grains.GetGrain<IBenchBatchGrain>("b" + i).Start(100)));
        var done = new GrainStateQuery("bench-batch") { Filters = [StateFilter.Eq("Completed", 100)] };
        while (await query.CountAsync(done, cancellationToken) < Batches)
        {
            await Task.Delay(100, cancellationToken);   // coarse: the count query must not steal CPU from the run
        }

        return Jobs / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>The task path: each of <see cref="Jobs"/> task grains schedules one job in a turn (64 callers); its
    /// outcome comes back as a turn. Two turns per job.</summary>
    private static async Task<double> RunTaskJobsAsync(IGrainFactory grains, IGrainStateQuery query, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Jobs)
            {
                await grains.GetGrain<IBenchTaskGrain>("t" + i).Start();
            }
        })));
        var done = new GrainStateQuery("bench-task") { Filters = [StateFilter.Eq("Status", "Succeeded")] };
        while (await query.CountAsync(done, cancellationToken) < Jobs)
        {
            await Task.Delay(100, cancellationToken);   // coarse: the count query must not steal CPU from the run
        }

        return Jobs / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    public interface IBenchCounterGrain : IGrainWithStringKey
    {
        Task<int> Increment();
    }

    public sealed record BenchCounterState
    {
        public int Count { get; init; }
    }

    [GrainType("bench-counter")]
    public sealed class BenchCounterGrain : Grain<BenchCounterState>, IBenchCounterGrain
    {
        public Task<int> Increment()
        {
            State = State with { Count = State.Count + 1 };
            return Task.FromResult(State.Count);
        }
    }

    public interface IBenchTaskGrain : IGrainWithStringKey
    {
        Task Start();
    }

    public sealed record BenchTaskState
    {
        public string Status { get; init; } = "New";
    }

    [GrainType("bench-task")]
    public sealed class BenchTaskGrain : Grain<BenchTaskState>, IBenchTaskGrain, IJobOutcomeReceiver
    {
        public Task Start()
        {
            ScheduleJob(new JobRequest("noop", GrainId.Key) { Partition = "p" + (GrainId.Key.GetHashCode() & 31) });
            State = State with { Status = "Running" };
            return Task.CompletedTask;
        }

        public Task OnJobCompletedAsync(JobOutcome outcome)
        {
            State = State with { Status = outcome.Succeeded ? "Succeeded" : "Failed" };
            return Task.CompletedTask;
        }
    }

    public interface IBenchBatchGrain : IGrainWithStringKey
    {
        Task Start(int jobs);
    }

    public sealed record BenchBatchState
    {
        public int Completed { get; init; }
    }

    [GrainType("bench-batch")]
    public sealed class BenchBatchGrain : Grain<BenchBatchState>, IBenchBatchGrain, IJobOutcomeReceiver
    {
        public Task Start(int jobs)
        {
            for (var i = 0; i < jobs; i++)
            {
                ScheduleJob(new JobRequest("noop", i) { Partition = GrainId.Key });
            }

            return Task.CompletedTask;
        }

        public Task OnJobCompletedAsync(JobOutcome outcome)
        {
            State = State with { Completed = State.Completed + 1 };
            return Task.CompletedTask;
        }
    }

    public sealed class NoopJobHandler : IJobHandler
    {
        public Task<object?> ExecuteAsync(JobContext context) => Task.FromResult<object?>(null);
    }
}
