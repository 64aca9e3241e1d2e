using System.Diagnostics;
using System.IO.Compression;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using Orleans.Media.Archives;
using Orleans.Media.Storage;
using Orleans.Media.Storage.Local;
using Orleans.Media.Testing;

namespace Orleans.Media.Bench;

/// <summary>
/// The archive engine against the reference tools: a ~1 GB zip of ~2,000 mixed entries (local folder vs
/// <c>bsdtar -xf</c>, and s3rver to s3rver vs a plain copy), 80,000 small files (vs <c>unzip -q</c> and bsdtar),
/// peak RSS while extracting, and the share of the archive read for 3 selected entries. Inputs are generated once
/// under the work dir and reused.
/// </summary>
public sealed class ArchivesBenchmark : IBenchScenario
{
    private const double MiB = 1024 * 1024;

    public string Name => "archives";

    /// <summary>Rounds of the 80,000-file comparison (each tool once per round, best round counts).</summary>
    private const int DefaultManyRounds = 2;

    /// <summary>
    /// Args pick parts (<c>big</c>, <c>many</c>, <c>s3</c>, <c>7z</c>, <c>rar</c>); none runs all; <c>prepare</c> only makes the inputs. <c>rounds=N</c> sets the rounds of the
    /// 80,000-file comparison (default 2). <c>7zbig 7zfile=NAME</c> extracts a 7z made outside the bench (the multi-GB
    /// solid archive: too slow to build on every run; NAME in the source bucket) once with the engine and once with <c>7zz x -mmt1</c>.
    /// </summary>
    public async Task RunAsync(BenchReport report, string workDir, string[] args, CancellationToken cancellationToken)
    {
        var parts = args.Where(a => !a.Contains('=')).ToArray();
        var rounds = args.Select(a => a.StartsWith("rounds=", StringComparison.OrdinalIgnoreCase) ? int.Parse(a["rounds=".Length..], System.Globalization.CultureInfo.InvariantCulture) : 0).Max(r => (int?)r) is > 0 and var r ? r : DefaultManyRounds;
        bool Part(string name) => parts.Length == 0 || parts.Contains(name, StringComparer.OrdinalIgnoreCase);
        var buckets = Path.Combine(workDir, "buckets");
        var src = Directory.CreateDirectory(Path.Combine(buckets, "src")).FullName;
        Directory.CreateDirectory(Path.Combine(buckets, "out"));
        var big = Path.Combine(src, "big.zip");
        var many = Path.Combine(src, "many.zip");
        var bigOutput = BenchArchives.EnsureBigZip(big);
        EnsureManyZip(many);
        BenchReport.Note($"big.zip {new FileInfo(big).Length / MiB:0} MiB, {bigOutput / MiB:0} MiB unpacked; many.zip {new FileInfo(many).Length / MiB:0} MiB, 80,000 entries");

        using var storage = new ObjectStorage(Options.Create(new ObjectStorageOptions { DefaultLocalRoot = buckets }), LocalUrlSigner.CreateEphemeral());
        var engine = new ObjectArchiveExtractor(storage, new ArchiveExtractor());
        var outRoot = Path.Combine(buckets, "out");
        var scratch = Path.Combine(workDir, "scratch");

        // prepare: only make the inputs (minutes of compression), outside the shared bench lock; measure nothing.
        if (parts.Contains("prepare", StringComparer.OrdinalIgnoreCase))
        {
            BenchArchives.EnsureSolidSevenZip(src, SevenZipPassword);
            return;
        }

        var names = SelectedNames(big);
        if (Part("big"))
        {
            await RunBigLocalAsync(report, engine, big, bigOutput, names, outRoot, scratch, cancellationToken);
        }

        if (Part("many"))
        {
            await RunManyAsync(report, engine, many, outRoot, scratch, rounds, cancellationToken);
        }

        if (Part("s3"))
        {
            await RunS3Async(report, big, bigOutput, names, cancellationToken);
        }

        if (Part("7z"))
        {
            await RunSevenZipAsync(report, engine, src, outRoot, scratch, cancellationToken);
        }

        if (Part("rar"))
        {
            await RunRarAsync(report, engine, src, outRoot, cancellationToken);
        }

        if (parts.Contains("7zbig", StringComparer.OrdinalIgnoreCase)
            && args.FirstOrDefault(a => a.StartsWith("7zfile=", StringComparison.OrdinalIgnoreCase)) is { } file)
        {
            await RunBigSevenZipAsync(report, engine, file["7zfile=".Length..], src, outRoot, scratch, cancellationToken);
        }

        // Every part's extraction peak, and the highest of them (goal: ≤ 256 MB on every path).
        if (PeakRss.Count > 0)
        {
            report.Metric("peak_rss_max", PeakRss.Values.Max() / MiB, "MB");
            BenchReport.Note("peak RSS by part: " + string.Join(", ", PeakRss.Select(p => $"{p.Key} {p.Value / MiB:0} MB")));
        }
    }

    private const string SevenZipPassword = "bench-secret";

    private static readonly Dictionary<string, long> PeakRss = [];

    // The largest 7zz child seen while the engine ran (the sampler writes it, the 7z parts read it after).
    private static long s_childPeak;

    private static void Peak(BenchReport report, string metric, long bytes)
    {
        PeakRss[metric] = Math.Max(PeakRss.GetValueOrDefault(metric), bytes);
        report.Metric(metric, bytes / MiB, "MB");
    }

    /// <summary>
    /// A solid LZMA2 7z of ~330 MB (text and random data) into the local-folder backend vs <c>7zz x -mmt1</c> (one
    /// thread, like the engine's one decoder), then the same archive encrypted (AES-256, headers too) with its password.
    /// </summary>
    private static async Task RunSevenZipAsync(BenchReport report, ObjectArchiveExtractor engine, string src, string outRoot, string scratch, CancellationToken cancellationToken)
    {
        const string Password = SevenZipPassword;
        var (plain, aes, unpacked) = BenchArchives.EnsureSolidSevenZip(src, Password);
        BenchReport.Note($"solid.7z {new FileInfo(plain).Length / MiB:0} MiB, {unpacked / MiB:0} MiB unpacked; solid-aes.7z {new FileInfo(aes).Length / MiB:0} MiB");
        foreach (var (name, file, password) in new[] { ("sevenzip", plain, (string?)null), ("sevenzip_aes", aes, Password) })
        {
            double engineSeconds = double.MaxValue, toolSeconds = double.MaxValue;
            long peak = 0;
            s_childPeak = 0;
            for (var run = 0; run < 2; run++)
            {
                Clean(outRoot, name);
                var options = new ExtractionOptions { Passphrases = password is null ? [] : [password] };
                var (seconds, runPeak, result) = await TimeEngineAsync(engine, $"oss://src/{Path.GetFileName(file)}", $"oss://out/{name}/", options, cancellationToken);
                result.ThrowIfFailed();
                engineSeconds = Math.Min(engineSeconds, seconds);
                peak = Math.Max(peak, runPeak);
                Clean(outRoot, name);
                Clean(scratch, "7zz");
                string[] args = password is null ? ["x", "-y", "-bd", "-mmt1", file] : ["x", "-y", "-bd", "-mmt1", "-p" + password, file];
                toolSeconds = Math.Min(toolSeconds, TimeTool(Path.Combine(scratch, "7zz"), "7zz", args));
                Clean(scratch, "7zz");
            }

            var engineMibs = unpacked / MiB / engineSeconds;
            var toolMibs = unpacked / MiB / toolSeconds;
            report.Metric($"{name}_engine_mibs", engineMibs, "MiB/s");
            report.Metric($"{name}_7zz_mibs", toolMibs, "MiB/s");
            report.Metric($"{name}_ratio", engineMibs / toolMibs, "x");
            Peak(report, $"{name}_peak_rss", peak);

            // The engine decodes a local 7z in a 7zz child: its own peak, sampled while the engine ran.
            report.Metric($"{name}_child_peak_rss", s_childPeak / MiB, "MB");
        }
    }

    /// <summary>A large 7z put in the source bucket by hand (<c>7zfile=NAME</c>): engine rate and peak RSS vs <c>7zz x -mmt1</c>.</summary>
    private static async Task RunBigSevenZipAsync(BenchReport report, ObjectArchiveExtractor engine, string name, string src, string outRoot, string scratch, CancellationToken cancellationToken)
    {
        var file = Path.Combine(src, name);
        Clean(outRoot, "given7z");
        var (seconds, peak, result) = await TimeEngineAsync(engine, $"oss://src/{name}", "oss://out/given7z/", new ExtractionOptions(), cancellationToken);
        result.ThrowIfFailed();
        Clean(outRoot, "given7z");
        var unpacked = result.BytesWritten;
        Clean(scratch, "7zz-given");
        var toolSeconds = TimeTool(Path.Combine(scratch, "7zz-given"), "7zz", "x", "-y", "-bd", "-mmt1", file);
        Clean(scratch, "7zz-given");
        BenchReport.Note($"{name}: {new FileInfo(file).Length / MiB:0} MiB packed, {unpacked / MiB:0} MiB unpacked, {result.Entries.Count} entries");
        report.Metric("sevenzip_big_engine_mibs", unpacked / MiB / seconds, "MiB/s");
        report.Metric("sevenzip_big_7zz_mibs", unpacked / MiB / toolSeconds, "MiB/s");
        report.Metric("sevenzip_big_ratio", toolSeconds / seconds, "x");
        Peak(report, "sevenzip_big_peak_rss", peak);
    }

    /// <summary>
    /// RAR: nothing here can make one (no RAR encoder is packaged), so the largest the tests hold are extracted over and
    /// over: rar_binary_data.rar (RAR 4, 1 MiB random + 32 KB, libarchive) and Rar5.encrypted_filesAndHeader.rar
    /// (RAR 5 AES, ~100 KB unpacked, SharpCompress). Per-run overhead dominates at these sizes: a floor, not a rate.
    /// </summary>
    private static async Task RunRarAsync(BenchReport report, ObjectArchiveExtractor engine, string src, string outRoot, CancellationToken cancellationToken)
    {
        foreach (var (metric, fixture, password) in new[] { ("rar", "rar/rar_binary_data.rar", (string?)null), ("rar_aes", "rar-encrypted/Rar5.encrypted_filesAndHeader.rar", "test") })
        {
            var file = Path.Combine(src, Path.GetFileName(fixture));
            File.Copy(Path.Combine(TestEnvironment.Fixtures, fixture), file, overwrite: true);
            const int Runs = 40;
            long bytes = 0, peak = 0;
            double seconds = 0;
            for (var run = 0; run < Runs; run++)
            {
                Clean(outRoot, metric);
                var options = new ExtractionOptions { Passphrases = password is null ? [] : [password] };
                var (runSeconds, runPeak, result) = await TimeEngineAsync(engine, $"oss://src/{Path.GetFileName(file)}", $"oss://out/{metric}/", options, cancellationToken, quiet: run > 0);
                result.ThrowIfFailed();
                seconds += runSeconds;
                bytes += result.BytesWritten;
                peak = Math.Max(peak, runPeak);
            }

            Clean(outRoot, metric);
            report.Metric($"{metric}_mibs", bytes / MiB / seconds, "MiB/s");
            Peak(report, $"{metric}_peak_rss", peak);
            BenchReport.Note($"{metric}_mibs: {Path.GetFileName(file)} ({new FileInfo(file).Length / 1024} KiB) extracted {Runs} times, {bytes / Runs / 1024} KiB unpacked each");
        }
    }

    private static async Task RunBigLocalAsync(BenchReport report, ObjectArchiveExtractor engine, string big, long bigOutput, string[] names, string outRoot, string scratch, CancellationToken cancellationToken)
    {
        // 1 GB zip: engine into the local-folder backend vs bsdtar into a folder (best of two runs each).
        double engineSeconds = double.MaxValue, bsdtarSeconds = double.MaxValue, peakRss = 0;
        for (var run = 0; run < 2; run++)
        {
            Clean(outRoot, "big");
            var (seconds, peak, result) = await TimeEngineAsync(engine, "oss://src/big.zip", "oss://out/big/", new ExtractionOptions(), cancellationToken);
            result.ThrowIfFailed();
            engineSeconds = Math.Min(engineSeconds, seconds);
            peakRss = Math.Max(peakRss, peak);
            Clean(scratch, "bsdtar");
            bsdtarSeconds = Math.Min(bsdtarSeconds, TimeTool(Path.Combine(scratch, "bsdtar"), "bsdtar", "-xf", big));
        }

        var engineMibs = bigOutput / MiB / engineSeconds;
        var bsdtarMibs = bigOutput / MiB / bsdtarSeconds;
        report.Metric("engine_local_mibs", engineMibs, "MiB/s");
        report.Metric("bsdtar_mibs", bsdtarMibs, "MiB/s");
        report.Metric("bsdtar_ratio", engineMibs / bsdtarMibs, "x");
        report.Metric("peak_rss", peakRss / MiB, "MB");
        PeakRss["peak_rss"] = (long)peakRss;
        Clean(outRoot, "big");
        Clean(scratch, "bsdtar");

        // Selected entries: bytes read from the source for 3 entries.
        var selected = await engine.ExtractAsync(ObjectUri.Parse("oss://src/big.zip"), ObjectUri.Parse("oss://out/sel/"), new ExtractionOptions { SelectedPaths = names }, cancellationToken);
        selected.ThrowIfFailed();
        report.Metric("selected_read", 100.0 * selected.SourceBytesFetched!.Value / new FileInfo(big).Length, "pct");
        Clean(outRoot, "sel");
    }

    /// <summary>
    /// 80,000 small files: engine vs <c>unzip -q</c> vs bsdtar, interleaved in rounds, best round per tool. Every run
    /// writes into a fresh folder and nothing is deleted until all are timed: ext4 skips inodes freed in the last
    /// minute (up to six while their table blocks are dirty) when it allocates, so a run right after deleting 80,000
    /// files pays for scanning past them. The earlier layout (delete the previous tool's output, then time the next)
    /// charged that to whichever tool came after a deletion.
    /// </summary>
    private static async Task RunManyAsync(BenchReport report, ObjectArchiveExtractor engine, string many, string outRoot, string scratch, int rounds, CancellationToken cancellationToken)
    {
        // Leftovers of an interrupted run are moved aside (a rename frees nothing) and deleted with the rest at the end.
        var trash = Path.Combine(scratch, "many-trash");
        Directory.CreateDirectory(trash);
        foreach (var leftover in new[] { Path.Combine(outRoot, "many"), Path.Combine(scratch, "unzip"), Path.Combine(scratch, "bsdtar") }.Where(Directory.Exists))
        {
            Directory.Move(leftover, Path.Combine(trash, Guid.NewGuid().ToString("N")));
        }

        double engineSeconds = double.MaxValue, unzipSeconds = double.MaxValue, bsdtarSeconds = double.MaxValue;
        var outputs = new List<string>();
        try
        {
            for (var round = 0; round < rounds; round++)
            {
                var name = $"many-{round}-{Guid.NewGuid().ToString("N")[..6]}";
                outputs.Add(Path.Combine(outRoot, name));
                var (seconds, manyPeak, result) = await TimeEngineAsync(engine, "oss://src/many.zip", $"oss://out/{name}/", new ExtractionOptions(), cancellationToken);
                result.ThrowIfFailed();
                engineSeconds = Math.Min(engineSeconds, seconds);
                PeakRss["many_peak_rss"] = Math.Max(PeakRss.GetValueOrDefault("many_peak_rss"), manyPeak);

                var unzipOut = Path.Combine(scratch, "unzip-" + name);
                outputs.Add(unzipOut);
                var unzip = TimeTool(scratch, "unzip", "-q", many, "-d", unzipOut);
                unzipSeconds = Math.Min(unzipSeconds, unzip);

                var bsdtarOut = Path.Combine(scratch, "bsdtar-" + name);
                outputs.Add(bsdtarOut);
                var bsdtar = TimeTool(bsdtarOut, "bsdtar", "-xf", many);
                bsdtarSeconds = Math.Min(bsdtarSeconds, bsdtar);
                BenchReport.Note($"many round {round + 1}: engine {80_000 / seconds:0} files/s, unzip {80_000 / unzip:0}, bsdtar {80_000 / bsdtar:0}");
            }
        }
        finally
        {
            foreach (var output in outputs.Append(trash).Where(Directory.Exists))
            {
                Directory.Delete(output, recursive: true);
            }
        }

        report.Metric("engine_files_per_s", 80_000 / engineSeconds, "files/s");
        report.Metric("unzip_files_per_s", 80_000 / unzipSeconds, "files/s");
        report.Metric("bsdtar_files_per_s", 80_000 / bsdtarSeconds, "files/s");
        report.Metric("unzip_files_ratio", unzipSeconds / engineSeconds, "x");
        report.Metric("bsdtar_files_ratio", bsdtarSeconds / engineSeconds, "x");
        report.Metric("many_peak_rss", PeakRss["many_peak_rss"] / MiB, "MB");
    }

    /// <summary>s3rver to s3rver: the engine (archive GETs in, entry PUTs out) vs copying the archive object through the same backend.</summary>
    private static async Task RunS3Async(BenchReport report, string big, long bigOutput, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var (inBucket, outBucket) = ($"bench-arch-in-{id}", $"bench-arch-out-{id}");
        var endpoint = TestEnvironment.S3Endpoint.ToString();
        using (var admin = new AmazonS3Client(new BasicAWSCredentials(TestEnvironment.S3AccessKey, TestEnvironment.S3SecretKey), new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, UseHttp = true }))
        {
            await admin.PutBucketAsync(new PutBucketRequest { BucketName = inBucket }, cancellationToken);
            await admin.PutBucketAsync(new PutBucketRequest { BucketName = outBucket }, cancellationToken);
        }

        var options = new ObjectStorageOptions();
        foreach (var b in new[] { inBucket, outBucket })
        {
            options.Buckets[b] = new BucketOptions { Kind = BucketKind.S3, ServiceUrl = endpoint, AccessKey = TestEnvironment.S3AccessKey, SecretKey = TestEnvironment.S3SecretKey, ForcePathStyle = true };
        }

        using var storage = new ObjectStorage(Options.Create(options), LocalUrlSigner.CreateEphemeral());
        var engine = new ObjectArchiveExtractor(storage, new ArchiveExtractor());
        await using (var file = File.OpenRead(big))
        {
            // Streamed PUT of known length: the multipart path would leave its 8 MiB part buffers in the shared array
            // pool, and the engine's peak below would count the bench's own setup upload.
            await storage.GetBucket(inBucket).PutAsync("big.zip", file, file.Length, "application/zip", cancellationToken);
        }

        var (seconds, peak, result) = await TimeEngineAsync(engine, $"s3://{inBucket}/big.zip", $"s3://{outBucket}/x/", new ExtractionOptions(), cancellationToken);
        result.ThrowIfFailed();

        var archiveBytes = new FileInfo(big).Length;
        var sw = Stopwatch.StartNew();
        await using (var input = await storage.GetBucket(inBucket).OpenReadAsync("big.zip", null, cancellationToken))
        {
            // A streamed PUT of known length: the buffered multipart writer leaves its 8 MiB part buffers live in the
            // shared array pool (163 MB measured after this copy), which the next part's peak would count.
            await storage.GetBucket(outBucket).PutAsync("copy/big.zip", input, input.Length, "application/zip", cancellationToken);
        }

        var copySeconds = sw.Elapsed.TotalSeconds;
        var engineMibs = bigOutput / MiB / seconds;
        var copyMibs = archiveBytes / MiB / copySeconds;
        report.Metric("s3_engine_mibs", engineMibs, "MiB/s");
        report.Metric("s3_copy_mibs", copyMibs, "MiB/s");
        report.Metric("s3_copy_ratio", engineMibs / copyMibs, "x");
        Peak(report, "s3_peak_rss", peak);
        BenchReport.Note("s3_engine_mibs counts unpacked bytes written per second; s3_copy_mibs is a GET+PUT stream copy of the archive object through the same backend.");

        var selected = await engine.ExtractAsync(ObjectUri.Parse($"s3://{inBucket}/big.zip"), ObjectUri.Parse($"s3://{outBucket}/sel/"), new ExtractionOptions { SelectedPaths = names }, cancellationToken);
        selected.ThrowIfFailed();
        report.Metric("selected_read_s3", 100.0 * selected.SourceBytesFetched!.Value / archiveBytes, "pct");
    }

    private static async Task<(double Seconds, long PeakRss, ExtractionResult Result)> TimeEngineAsync(
        ObjectArchiveExtractor engine, string source, string target, ExtractionOptions options, CancellationToken cancellationToken, bool quiet = false)
    {
        // Start from what the process needs, not from what earlier parts (the 80,000-file run, the upload of the
        // source to s3rver) left committed: the figure is the extraction's own peak.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var startRss = process.WorkingSet64;
        var startGc = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var startHeap = GC.GetGCMemoryInfo().HeapSizeBytes;
        long peak = 0, gcAtPeak = 0, heapAtPeak = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            for (var sample = 0; !stop.IsCancellationRequested; sample++)
            {
                // A child's VmHWM only grows: reading it every half second finds its peak without scanning /proc often.
                if (sample % 20 == 10)
                {
                    s_childPeak = Math.Max(s_childPeak, ChildProcesses.SevenZipPeakRss());
                }

                process.Refresh();
                if (process.WorkingSet64 > peak)
                {
                    peak = process.WorkingSet64;
                    var info = GC.GetGCMemoryInfo();
                    gcAtPeak = info.TotalCommittedBytes;
                    heapAtPeak = info.HeapSizeBytes;
                }

                await Task.Delay(25, CancellationToken.None);
            }
        }, CancellationToken.None);
        var sw = Stopwatch.StartNew();
        var result = await engine.ExtractAsync(ObjectUri.Parse(source), ObjectUri.Parse(target), options, cancellationToken);
        var seconds = sw.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await sampler;

        // Where the peak lives: what the process held before, the GC's committed memory, and the rest (native: the
        // runtime, libarchive, sockets, pooled arrays the GC counts too).
        if (!quiet)
        {
            BenchReport.Note($"{source}: decoder {result.Decoder}; RSS {startRss / MiB:0} MB at start (GC committed {startGc / MiB:0} MB, heap {startHeap / MiB:0} MB), peak {peak / MiB:0} MB (GC committed {gcAtPeak / MiB:0} MB, heap {heapAtPeak / MiB:0} MB)");
        }

        return (seconds, peak, result);
    }

    private static double TimeTool(string workingDirectory, string file, params string[] args)
    {
        Directory.CreateDirectory(workingDirectory);
        var psi = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync(); // 7zz reports on stdout: keep it out of the BENCH lines
        var err = p.StandardError.ReadToEnd();
        _ = output.Result;
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} exited {p.ExitCode}: {err}");
        }

        return sw.Elapsed.TotalSeconds;
    }

    private static void Clean(string root, string name)
    {
        var path = Path.Combine(root, name);
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private static string[] SelectedNames(string zip)
    {
        using var archive = ZipFile.OpenRead(zip);
        var files = archive.Entries.Where(e => !e.FullName.EndsWith('/')).ToList();
        return [files[10].FullName, files[files.Count / 2].FullName, files[^5].FullName];
    }

    private static void EnsureManyZip(string path)
    {
        if (File.Exists(path))
        {
            return;
        }

        var corpus = BenchArchives.TextCorpus(1024 * 1024);
        var rng = new Random(7);
        var tmp = path + ".tmp";
        using (var zip = ZipFile.Open(tmp, ZipArchiveMode.Create))
        {
            for (var i = 0; i < 80_000; i++)
            {
                using var s = zip.CreateEntry($"d{i % 200:000}/f{i:00000}.txt", CompressionLevel.Fastest).Open();
                var size = rng.Next(200, 4_000);
                s.Write(corpus, rng.Next(0, corpus.Length - size), size);
            }
        }

        File.Move(tmp, path);
    }
}
