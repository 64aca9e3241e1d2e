using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Silo.Hosting;
using Orleans.Media.Silo.Security;
using Orleans.Media.Testing;

namespace Orleans.Media.Bench;

/// <summary>
/// <c>deploy/bench.sh front [--seconds 10] [--concurrency 64]</c>: signed (V2) GetProject requests per second against
/// one silo on PostgreSQL over loopback — the real host, operations, signature check, cluster-wide nonce, permission
/// check and rate limiter — with p50/p99 latency; then the CPU cost of verifying one V2 and one V3 signature.
/// The load generator (which signs every request) runs in the same process and shares the machine's cores.
/// </summary>
public sealed class FrontBenchmark : IBenchScenario
{
    public string Name => "front";

    public async Task RunAsync(BenchReport report, string workDir, string[] args, CancellationToken cancellationToken)
    {
        var seconds = Option(args, "--seconds", 10);
        var concurrency = Option(args, "--concurrency", 64);
        await using var db = await PostgresDatabase.CreateAsync();
        var dataDir = Path.Combine(workDir, "silo-" + Guid.NewGuid().ToString("N")[..8]);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["OrleansMedia:DataDir"] = dataDir,
            ["OrleansMedia:Roles"] = "api",
            ["ConnectionStrings:Postgres"] = db.ConnectionString,
            ["Logging:LogLevel:Default"] = "Warning",
            // Measure the request path, not the throttle: the key's bucket is unlimited, the project's is raised below.
            ["Api:RateLimits:PerKeyRequestsPerSecond"] = "0",
        });
        builder.AddOrleansMediaSilo();
        await using var app = builder.Build();
        app.MapOrleansMediaSilo();
        await app.StartAsync(cancellationToken);
        try
        {
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
            var key = await app.Services.GetRequiredService<IAccessKeyStore>().CreateAsync([AccessKeyPermission.Admin], "bench", cancellationToken);
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
            using var http = new HttpClient(handler) { BaseAddress = address };

            var create = await http.SendAsync(Signed(key, "CreateProject", "bench-project", ("ProjectQueriesPerSecond", "1000000")), cancellationToken);
            if (!create.IsSuccessStatusCode)
            {
                throw new InvalidOperationException("CreateProject failed: " + await create.Content.ReadAsStringAsync(cancellationToken));
            }

            await LoadAsync(http, key, concurrency, TimeSpan.FromSeconds(2), cancellationToken); // warm-up: JIT, pools, caches
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var (count, errors, latencies, elapsed) = await LoadAsync(http, key, concurrency, TimeSpan.FromSeconds(seconds), cancellationToken);
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            report.Metric("getproject", count / elapsed.TotalSeconds, "per_s");
            report.Metric("getproject_p50", BenchReport.Percentile(latencies, 50), "ms");
            report.Metric("getproject_p99", BenchReport.Percentile(latencies, 99), "ms");
            report.Metric("getproject_errors", errors, "count");
            // Silo + load generator together (PostgreSQL excluded): comparable across runs even on a busy machine.
            report.Metric("getproject_cpu", cpu.TotalMicroseconds / Math.Max(1, count + errors), "us_per_request");
            BenchReport.Note($"{count} signed GetProject in {elapsed.TotalSeconds:0.0} s, {concurrency} concurrent, {Environment.ProcessorCount} cores shared with the load generator");
        }
        finally
        {
            await app.StopAsync(cancellationToken);
        }

        MeasureVerification(report);
    }

    private static HttpRequestMessage Signed(CreatedAccessKey key, string action, string project, params (string Name, string Value)[] extra)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Action"] = action,
            ["Version"] = "2020-09-30",
            ["Format"] = "JSON",
            ["AccessKeyId"] = key.AccessKeyId,
            ["SignatureMethod"] = "HMAC-SHA1",
            ["SignatureVersion"] = "1.0",
            ["SignatureNonce"] = Guid.NewGuid().ToString("N"),
            ["Timestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["ProjectName"] = project,
        };
        foreach (var (name, value) in extra)
        {
            parameters[name] = value;
        }

        parameters["Signature"] = AlibabaV2Signature.Compute(key.AccessKeySecret, "GET", parameters);
        return new HttpRequestMessage(HttpMethod.Get, "/?" + string.Join('&', parameters.Select(p => Rfc3986.Encode(p.Key) + "=" + Rfc3986.Encode(p.Value))));
    }

    private static async Task<(long Count, long Errors, List<double> LatenciesMs, TimeSpan Elapsed)> LoadAsync(
        HttpClient http, CreatedAccessKey key, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        long count = 0, errors = 0;
        var perWorker = new List<double>[concurrency];
        var stopwatch = Stopwatch.StartNew();
        var end = stopwatch.Elapsed + duration;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var samples = perWorker[worker] = new List<double>(16_384);
            while (stopwatch.Elapsed < end)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(Signed(key, "GetProject", "bench-project"), cancellationToken);
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref count);
                }
                else if (Interlocked.Increment(ref errors) == 1)
                {
                    BenchReport.Note("first error: " + JsonDocument.Parse(body).RootElement);
                }
            }
        }));
        return (count, errors, perWorker.SelectMany(s => s).ToList(), stopwatch.Elapsed);
    }

    /// <summary>CPU time of one signature verification: canonicalization + HMAC, single thread, no I/O.</summary>
    private static void MeasureVerification(BenchReport report)
    {
        const int iterations = 200_000;
        const string secret = "benchSecret0123456789abcdefghij";
        var parameters = new Dictionary<string, string>
        {
            ["Action"] = "GetProject", ["Version"] = "2020-09-30", ["Format"] = "JSON", ["AccessKeyId"] = "OMAKBENCH00000000000000",
            ["SignatureMethod"] = "HMAC-SHA1", ["SignatureVersion"] = "1.0", ["SignatureNonce"] = Guid.NewGuid().ToString("N"),
            ["Timestamp"] = "2026-11-21T16:00:00Z", ["ProjectName"] = "bench-project",
        };
        var signature = AlibabaV2Signature.Compute(secret, "GET", parameters);
        var v2 = Time(iterations, () =>
        {
            if (!AlibabaV2Signature.Verify(secret, "GET", parameters, signature))
            {
                throw new InvalidOperationException("V2 vector does not verify");
            }
        });
        report.Metric("signature_v2_verify", v2, "us");

        var headers = new Dictionary<string, string>
        {
            ["host"] = "127.0.0.1:8080", ["x-acs-action"] = "GetProject", ["x-acs-version"] = "2020-09-30",
            ["x-acs-date"] = "2026-11-21T16:00:00Z", ["x-acs-signature-nonce"] = Guid.NewGuid().ToString("N"),
            ["x-acs-content-sha256"] = AlibabaV3Signature.HexSha256([]),
        };
        var query = new Dictionary<string, string> { ["ProjectName"] = "bench-project" };
        var v3 = Time(iterations, () =>
        {
            var canonical = AlibabaV3Signature.CanonicalRequest("GET", "/", AlibabaV3Signature.CanonicalQuery(query),
                AlibabaV3Signature.CanonicalHeaders(headers.Keys, n => [headers[n]]), headers.Keys, AlibabaV3Signature.HexSha256([]));
            _ = AlibabaV3Signature.Compute(secret, canonical);
        });
        report.Metric("signature_v3_verify", v3, "us");
    }

    private static double Time(int iterations, Action action)
    {
        for (var i = 0; i < 10_000; i++)
        {
            action();
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < iterations; i++)
        {
            action();
        }

        return (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / iterations;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
