using System.Diagnostics;
using System.Globalization;
using Orleans.Media.Silo.Security;
using Orleans.Media.Testing;

namespace Orleans.Media.Bench;

/// <summary>
/// <c>deploy/bench.sh front [--seconds 10] [--concurrency 64]</c>: signed (V2) GetProject requests per second against
/// one silo on PostgreSQL over loopback — the real host, operations, signature check, cluster-wide nonce, permission
/// check and rate limiter — with p50/p99 latency, then the bench-only signed no-op through the same pipeline
/// (<see cref="BenchSilo.NoopAction"/>: no grain, no write); then the CPU cost of verifying one V2 and one V3 signature.
/// The load generator (<see cref="HttpLoad"/>: keep-alive sockets, requests signed before the timed window) runs in
/// the same process and shares the machine's two cores with the silo and PostgreSQL.
/// </summary>
public sealed class FrontBenchmark : IBenchScenario
{
    public string Name => "front";

    public async Task RunAsync(BenchReport report, string workDir, string[] args, CancellationToken cancellationToken)
    {
        var seconds = Option(args, "--seconds", 10);
        var concurrency = Option(args, "--concurrency", 64);
        await using var db = await PostgresDatabase.CreateAsync();
        await using (var silo = await BenchSilo.StartAsync(workDir, db.ConnectionString, "api", "bench-project", cancellationToken))
        {
            await silo.CreateProjectAsync(cancellationToken);

            // Warm-up: JIT tiers (instrumented, then optimized), pools, caches; seconds, not a fraction of one.
            await HttpLoad.RunAsync(silo.Address, concurrency, TimeSpan.FromSeconds(10), _ => silo.Rpc.Path("GetProject"), null, cancellationToken);
            var load = await HttpLoad.RunAsync(silo.Address, concurrency, TimeSpan.FromSeconds(seconds), _ => silo.Rpc.Path("GetProject"), null, cancellationToken);
            load.Report(report, "getproject");
            BenchReport.Note($"{load.Count} signed GetProject in {load.Elapsed.TotalSeconds:0.0} s, {concurrency} connections, {Environment.ProcessorCount} cores shared with the load generator and PostgreSQL");

            // The same pipeline without the project grain: the bench-only signed no-op.
            await HttpLoad.RunAsync(silo.Address, concurrency, TimeSpan.FromSeconds(5), _ => silo.NoopPath(), null, cancellationToken);
            var noop = await HttpLoad.RunAsync(silo.Address, concurrency, TimeSpan.FromSeconds(seconds), _ => silo.NoopPath(), null, cancellationToken);
            noop.Report(report, "noop");
        }

        MeasureVerification(report);
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
