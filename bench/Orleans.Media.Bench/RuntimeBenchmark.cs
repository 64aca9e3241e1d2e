using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Media.Persistence.Hosting;
using Orleans.Media.Testing;

namespace Orleans.Media.Bench;

/// <summary>
/// <c>deploy/bench.sh runtime</c>: Orleans grain calls that each make a durable state write (64 callers over 1,000
/// grains; <c>[PersistentState]</c> on the project's storage provider <c>media</c>: Orleans' ADO.NET grain storage on
/// PostgreSQL with fsync on, in the real silo host) against a hand-written <c>BEGIN; UPDATE …; COMMIT</c> loop at the
/// same concurrency on a table shaped like Orleans' storage table. Rounds alternate (Orleans, hand-written, …) so
/// both see the same background load; <c>ratio</c> = Orleans / hand-written.
/// <c>deploy/bench.sh runtime [--warmup 30] [--auto-prepare N]</c>.
/// </summary>
public sealed class RuntimeBenchmark : IBenchScenario
{
    private const int Callers = 64;
    private const int Grains = 1000;
    private const int Rounds = 3;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(5);

    public string Name => "runtime";

    public async Task RunAsync(BenchReport report, string workDir, string[] args, CancellationToken cancellationToken)
    {
        await using var database = await PostgresDatabase.CreateAsync();
        // --auto-prepare N: Npgsql's Max Auto Prepare on the silo's connection string (Orleans' ADO.NET providers send
        // unprepared statements by default; the hand-written loop always auto-prepares its one statement).
        var autoPrepare = TasksBenchmark.Option(args, "--auto-prepare", 0);
        var siloConnection = autoPrepare > 0
            ? new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxAutoPrepare = autoPrepare }.ConnectionString
            : database.ConnectionString;
        if (autoPrepare > 0)
        {
            BenchReport.Note($"silo connection string: Max Auto Prepare={autoPrepare}");
        }

        await using var silo = await BenchSilo.StartAsync(workDir, siloConnection, "api,worker", "bench-runtime", cancellationToken);
        var grains = silo.Services.GetRequiredService<IGrainFactory>();

        // Warm-up: activate every grain (its first write inserts its row), then calls until the JIT's tiers settle
        // (a fresh silo runs tier-0, then instrumented code: the rate climbs for tens of seconds under load).
        var warmup = TimeSpan.FromSeconds(TasksBenchmark.Option(args, "--warmup", 30));
        await Task.WhenAll(Enumerable.Range(0, Grains).Select(i => grains.GetGrain<IBenchCounterGrain>("g" + i).Increment()));
        var curve = new List<string>();
        for (var left = warmup; left > TimeSpan.Zero; left -= Duration)
        {
            var (count, _) = await RunCallsAsync(i => grains.GetGrain<IBenchCounterGrain>("g" + i).Increment(), Duration);
            curve.Add((count / Duration.TotalSeconds).ToString("0", System.Globalization.CultureInfo.InvariantCulture));
        }

        BenchReport.Note($"grain-call warm-up, per {Duration.TotalSeconds:0} s window: {string.Join(", ", curve)} /s");
        await using var handwritten = await HandwrittenLoop.CreateAsync(database.ConnectionString, cancellationToken);
        await RunCallsAsync(handwritten.WriteAsync, Duration);
        long calls = 0, manual = 0;
        TimeSpan callsCpu = default, manualCpu = default;
        List<double> callLatencies = [], manualLatencies = [];
        var rounds = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var (count, samples) = await RunCallsAsync(i => grains.GetGrain<IBenchCounterGrain>("g" + i).Increment(), Duration);
            callsCpu += Process.GetCurrentProcess().TotalProcessorTime - cpu;
            calls += count;
            callLatencies.AddRange(samples);
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var (manualCount, manualSamples) = await RunCallsAsync(handwritten.WriteAsync, Duration);
            manualCpu += Process.GetCurrentProcess().TotalProcessorTime - cpu;
            manual += manualCount;
            manualLatencies.AddRange(manualSamples);
            rounds.Add($"{count / Duration.TotalSeconds:0}/{manualCount / Duration.TotalSeconds:0}");
        }

        var seconds = Rounds * Duration.TotalSeconds;
        report.Metric("turns", calls / seconds, "per_s");
        report.Metric("turns_p50", BenchReport.Percentile(callLatencies, 50), "ms");
        report.Metric("turns_p99", BenchReport.Percentile(callLatencies, 99), "ms");
        report.Metric("handwritten", manual / seconds, "per_s");
        report.Metric("handwritten_p50", BenchReport.Percentile(manualLatencies, 50), "ms");
        report.Metric("handwritten_p99", BenchReport.Percentile(manualLatencies, 99), "ms");
        report.Metric("turns_cpu", callsCpu.TotalMicroseconds / Math.Max(1, calls), "us_per_call");
        report.Metric("handwritten_cpu", manualCpu.TotalMicroseconds / Math.Max(1, manual), "us_per_call");
        report.Metric("ratio", (double)calls / manual, "x");
        BenchReport.Note($"per round, grain calls/s / hand-written/s: {string.Join(", ", rounds)}; {Callers} callers, {Grains} grains, {Environment.ProcessorCount} cores shared with PostgreSQL");
        BenchReport.Note($"{await handwritten.StorageRowsAsync(cancellationToken)} Orleans grain-state rows of bench-counter grains; *_cpu = this process's CPU (silo + callers, not PostgreSQL) per call");
    }

    /// <summary>64 callers, each picking random grains, for a fixed time; returns the count and latencies (ms).</summary>
    private static async Task<(long Count, List<double> Latencies)> RunCallsAsync(Func<int, Task> call, TimeSpan duration)
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

    /// <summary>
    /// The same durable write by hand: <c>BEGIN; UPDATE … SET payload, version = version + 1 … RETURNING version;
    /// COMMIT</c> on a table with Orleans' storage table's columns and key, a payload the size Orleans' serializer
    /// writes for the counter. Its own pool (Npgsql, auto-prepared statements).
    /// </summary>
    private sealed class HandwrittenLoop : IAsyncDisposable
    {
        private readonly NpgsqlDataSource _dataSource;

        private HandwrittenLoop(NpgsqlDataSource dataSource) => _dataSource = dataSource;

        public static async Task<HandwrittenLoop> CreateAsync(string connectionString, CancellationToken cancellationToken)
        {
            // The same connection settings the silo uses by default (MediaDatabase.ForPostgres): prepared statements,
            // no reset on return. With the reset (5 statements) the reference would be handicapped.
            var cs = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = Callers + 8, MaxAutoPrepare = 16, NoResetOnClose = true }.ConnectionString;
            var dataSource = NpgsqlDataSource.Create(cs);
            await using var setup = dataSource.CreateCommand(
                "CREATE TABLE bench_storage (LIKE orleans_storage INCLUDING ALL);" +
                "INSERT INTO bench_storage (service_id, grain_type, grain_key, grain_id_n0, grain_id_n1, payload, version) " +
                "SELECT 'bench', 'bench-counter', 'g' || i, 0, 0, '\\x0102030405060708'::bytea, 1 FROM generate_series(0, 999) i");
            await setup.ExecuteNonQueryAsync(cancellationToken);
            return new HandwrittenLoop(dataSource);
        }

        public async Task WriteAsync(int i)
        {
            await using var conn = await _dataSource.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            await using (var update = new NpgsqlCommand(
                             "UPDATE bench_storage SET payload = $1, version = version + 1, modified_at = now() " +
                             "WHERE service_id = 'bench' AND grain_type = 'bench-counter' AND grain_key = $2 AND grain_id_n0 = 0 AND grain_id_n1 = 0 RETURNING version",
                             conn, tx))
            {
                update.Parameters.Add(new NpgsqlParameter { Value = BitConverter.GetBytes((long)i) });
                update.Parameters.Add(new NpgsqlParameter { Value = "g" + i });
                _ = await update.ExecuteScalarAsync();
            }

            await tx.CommitAsync();
        }

        public async Task<long> StorageRowsAsync(CancellationToken cancellationToken)
        {
            await using var count = _dataSource.CreateCommand("SELECT count(*) FROM orleans_storage WHERE grain_key LIKE '%bench-counter%'");
            return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
    }
}

public interface IBenchCounterGrain : IGrainWithStringKey
{
    Task<int> Increment();
}

[GenerateSerializer]
public sealed record BenchCounterState
{
    [Id(0)] public int Count { get; init; }
}

/// <summary>Each call increments and durably writes its state before answering.</summary>
[GrainType("bench-counter")]
public sealed class BenchCounterGrain(
    [PersistentState("s", MediaPersistenceExtensions.MediaStorage)] IPersistentState<BenchCounterState> state) : Grain, IBenchCounterGrain
{
    public async Task<int> Increment()
    {
        state.State = state.State with { Count = state.State.Count + 1 };
        await state.WriteStateAsync();
        return state.State.Count;
    }
}
