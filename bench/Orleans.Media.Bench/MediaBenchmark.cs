using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Media.Processing;
using Orleans.Media.Processing.Actions.Video;
using Orleans.Media.Processing.Ingestion;
using Orleans.Media.Silo.Hosting;
using Orleans.Media.Silo.Storage;
using Orleans.Media.Storage;
using Orleans.Media.Storage.Local;
using Orleans.Media.Storage.Uploads;

namespace Orleans.Media.Bench;

/// <summary>
/// The media data plane against the tools themselves, in one run: video/convert vs ffmpeg with the same arguments
/// (a 60 s 720p clip; the median of <c>rounds=N</c> rounds' own ratios, with the ffmpeg children's CPU seconds), image/resize vs ImageMagick's <c>convert</c> (200 images), a 2 GB URL pull into s3rver vs
/// <c>curl | curl -T -</c> to a presigned PUT (with the pull's peak RSS), and a 6 GB upload in 100 presigned parts,
/// 8 in parallel, into the local backend vs <c>cp</c> (with the completion's assembly time; the median of
/// <c>rounds=N</c> rounds' own ratios, 3 by default, with each side's CPU seconds and dirty pages). Ratios are
/// reference time / our time: above 1 we are faster. Args pick parts (<c>pull</c>, <c>multipart</c>, <c>video</c>,
/// <c>image</c>); none runs all. The pull runs first, so its RSS is not the other parts' leftovers.
/// </summary>
public sealed class MediaBenchmark : IBenchScenario
{
    private const double MiB = 1024 * 1024;
    private const long PullBytes = 2L * 1024 * 1024 * 1024;
    private const long MultipartBytes = 6L * 1024 * 1024 * 1024;
    private const int MultipartParts = 100;
    private const int MultipartParallel = 8;
    private const int DefaultRounds = 3;
    private const int ImageCount = 200;

    private static readonly string[] VideoParameters = ["format=mp4", "vcodec=h264", "preset=veryfast", "s=854x480", "vb=1500000", "acodec=aac", "ab=128000"];

    public string Name => "media";

    public async Task RunAsync(BenchReport report, string workDir, string[] args, CancellationToken cancellationToken)
    {
        var parts = args.Where(a => !a.Contains('=', StringComparison.Ordinal)).ToArray();
        bool Part(string name) => parts.Length == 0 || parts.Contains(name, StringComparer.OrdinalIgnoreCase);
        var rounds = args.FirstOrDefault(a => a.StartsWith("rounds=", StringComparison.OrdinalIgnoreCase)) is { } r
            ? int.Parse(r["rounds=".Length..], System.Globalization.CultureInfo.InvariantCulture)
            : DefaultRounds;
        var buckets = Path.Combine(workDir, "buckets");
        Directory.CreateDirectory(Path.Combine(buckets, "media"));
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddObjectStorage(o => o.DefaultLocalRoot = buckets);
        services.AddMediaProcessing(o => o.ScratchRoot = Path.Combine(workDir, "scratch"));
        await using var provider = services.BuildServiceProvider();

        if (Part("pull"))
        {
            await RunPullAsync(report, workDir, cancellationToken);
        }

        if (Part("multipart"))
        {
            await RunMultipartAsync(report, workDir, rounds, cancellationToken);
        }

        if (Part("video"))
        {
            await RunVideoAsync(report, provider, buckets, workDir, rounds, cancellationToken);
        }

        if (Part("image"))
        {
            await RunImageAsync(report, provider, buckets, workDir, cancellationToken);
        }
    }

    private static async Task RunVideoAsync(BenchReport report, IServiceProvider provider, string buckets, string workDir, int rounds, CancellationToken cancellationToken)
    {
        var clip = Path.Combine(buckets, "media", "clip720.mp4");
        if (!File.Exists(clip))
        {
            await RunToolAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=60", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=60",
                "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-b:v", "4000000", "-c:a", "aac", "-shortest", clip], workDir);
        }

        var action = provider.GetRequiredService<Orleans.Media.Processing.Actions.MediaActionRegistry>().Prepare("video/convert", VideoParameters);
        var direct = Path.Combine(workDir, "direct.mp4");

        // Rounds of both sides in an order that turns every round; the ratio is the median of the rounds' own ratios
        // (the two sides of a round run seconds apart and meet the same neighbours), the best of each side beside it.
        // CPU: the children's user + system seconds (getrusage of reaped children), ffmpeg's work on each side.
        var reference = new List<(double Seconds, double Cpu)>();
        var ours = new List<(double Seconds, double Cpu)>();
        for (var round = 0; round < rounds; round++)
        {
            var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            for (var side = 0; side < 2; side++)
            {
                var cpu = ChildrenCpuSeconds();
                var sw = Stopwatch.StartNew();
                if ((round + side) % 2 == 0)
                {
                    await RunToolAsync("ffmpeg", VideoConvertAction.FfmpegArguments(VideoParameters, clip, direct), workDir);
                    reference.Add((sw.Elapsed.TotalSeconds, ChildrenCpuSeconds() - cpu));
                }
                else
                {
                    await action.RunAsync(new ObjectUri("oss", "media", "clip720.mp4"), cancellationToken);
                    ours.Add((sw.Elapsed.TotalSeconds, ChildrenCpuSeconds() - cpu));
                }
            }

            BenchReport.Note($"video round {round + 1} (load {load}, {(round % 2 == 0 ? "ffmpeg first" : "video/convert first")}): " +
                $"ffmpeg {reference[round].Seconds:0.00} s ({reference[round].Cpu:0.0} s CPU), video/convert {ours[round].Seconds:0.00} s ({ours[round].Cpu:0.0} s CPU), ratio {reference[round].Seconds / ours[round].Seconds:0.00}");
        }

        File.Delete(direct);
        report.Metric("video_convert_seconds", BenchReport.Median(ours.Select(o => o.Seconds)), "s");
        report.Metric("video_convert_ffmpeg_seconds", BenchReport.Median(reference.Select(o => o.Seconds)), "s");
        report.Metric("video_convert_ratio", BenchReport.Median(reference.Zip(ours, (f, o) => f.Seconds / o.Seconds)), "x");
        report.Metric("video_convert_ratio_best", reference.Min(f => f.Seconds) / ours.Min(o => o.Seconds), "x");
        report.Metric("video_convert_cpu_ratio", BenchReport.Median(reference.Zip(ours, (f, o) => f.Cpu / o.Cpu)), "x");
    }

    /// <summary>User + system seconds of this process's reaped children (getrusage RUSAGE_CHILDREN).</summary>
    private static double ChildrenCpuSeconds()
    {
        Span<long> usage = stackalloc long[18];
        return getrusage(-1, ref usage[0]) == 0 ? usage[0] + (usage[1] / 1e6) + usage[2] + (usage[3] / 1e6) : double.NaN;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, ref long usage);

    private static async Task RunImageAsync(BenchReport report, IServiceProvider provider, string buckets, string workDir, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(buckets, "media", "images");
        Directory.CreateDirectory(folder);
        for (var i = 0; i < ImageCount; i++)
        {
            var path = Path.Combine(folder, $"img{i:D3}.jpg");
            if (!File.Exists(path))
            {
                // Noise over a gradient: a photo-like JPEG that does not compress to nothing.
                using var noise = NetVips.Image.Gaussnoise(1920, 1080, mean: 128, sigma: 30);
                using var x = NetVips.Image.Xyz(1920, 1080)[0];
                using var mixed = (noise * 0.5) + (x * (60.0 / 1920)) + (i % 50);
                using var green = mixed * 0.8;
                using var blue = mixed * 0.6;
                using var joined = mixed.Bandjoin(green, blue);
                using var rgb = joined.Cast(NetVips.Enums.BandFormat.Uchar);
                rgb.WriteToFile(path + "[Q=85]");
            }
        }

        var action = provider.GetRequiredService<Orleans.Media.Processing.Actions.MediaActionRegistry>()
            .Prepare("image/resize", ["w=256", "h=256", "format=jpg", "quality=85", "output=oss://{bucket}/resized/{barename}.{autoext}"]);
        var magickOut = Directory.CreateDirectory(Path.Combine(workDir, "magick")).FullName;
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < ImageCount; i++)
        {
            await RunToolAsync("/usr/bin/convert", [Path.Combine(folder, $"img{i:D3}.jpg"), "-resize", "256x256", "-quality", "85", Path.Combine(magickOut, $"img{i:D3}.jpg")], workDir);
        }

        var reference = sw.Elapsed.TotalSeconds;
        sw.Restart();
        for (var i = 0; i < ImageCount; i++)
        {
            await action.RunAsync(new ObjectUri("oss", "media", $"images/img{i:D3}.jpg"), cancellationToken);
        }

        var ours = sw.Elapsed.TotalSeconds;
        BenchReport.Note($"{ImageCount} 1920x1080 JPEGs to 256 px: convert {reference:0.00} s, image/resize {ours:0.00} s (one at a time each)");
        report.Metric("image_resize_seconds", ours, "s");
        report.Metric("image_resize_convert_seconds", reference, "s");
        report.Metric("image_resize_ratio", reference / ours, "x");
    }

    private static async Task RunPullAsync(BenchReport report, string workDir, CancellationToken cancellationToken)
    {
        var s3 = Environment.GetEnvironmentVariable("ORLEANSMEDIA_TEST_S3") ?? throw new InvalidOperationException("ORLEANSMEDIA_TEST_S3 is not set (deploy/bench.sh starts s3rver)");
        var body = Path.Combine(workDir, "pull-body.bin");
        await EnsureFileAsync(body, PullBytes);

        // The origin is another process (python's file server), so neither side's memory or CPU is counted for it.
        var port = FreePort();
        using var origin = Process.Start(new ProcessStartInfo("python3", ["-m", "http.server", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--directory", workDir])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        origin.ErrorDataReceived += (_, _) => { };
        origin.BeginErrorReadLine();
        origin.BeginOutputReadLine();
        try
        {
            await WaitForPortAsync(port);
            var url = new Uri($"http://127.0.0.1:{port}/pull-body.bin");
            const string bucket = "bench-pull";
            using var admin = new AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config { ServiceURL = s3, ForcePathStyle = true, UseHttp = true });
            await admin.PutBucketAsync(bucket, cancellationToken);
            var options = new ObjectStorageOptions();
            options.Buckets[bucket] = new BucketOptions { Kind = BucketKind.S3, ServiceUrl = s3, AccessKey = "S3RVER", SecretKey = "S3RVER" };
            using var storage = new ObjectStorage(Options.Create(options), LocalUrlSigner.CreateEphemeral());

            // Reference: curl streaming the body into a presigned PUT.
            var presigned = storage.GetBucket(bucket).Presign(new PresignRequest("curl.bin", PresignMethod.Put, DateTimeOffset.UtcNow.AddHours(1)));
            var sw = Stopwatch.StartNew();
            await RunToolAsync("sh", ["-c", "curl -sS -f \"$1\" | curl -sS -f -T - \"$2\" -o /dev/null", "sh", url.AbsoluteUri, presigned.AbsoluteUri], workDir);
            var reference = sw.Elapsed.TotalSeconds;
            await admin.DeleteObjectAsync(bucket, "curl.bin", cancellationToken);

            using var pull = new UrlIngestion(storage, Options.Create(new UrlIngestionOptions { AllowedNetworks = ["127.0.0.1/32"] }), TimeProvider.System, NullLogger<UrlIngestion>.Instance);
            GC.Collect();
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            var startRss = process.WorkingSet64;
            long peak = 0;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    process.Refresh();
                    peak = Math.Max(peak, process.WorkingSet64);
                    await Task.Delay(20, CancellationToken.None);
                }
            }, CancellationToken.None);
            sw.Restart();
            var result = await pull.IngestAsync(url, new ObjectUri("oss", bucket, "pulled.bin"), cancellationToken);
            var ours = sw.Elapsed.TotalSeconds;
            await sampling.CancelAsync();
            await sampler;
            if (result.Size != PullBytes)
            {
                throw new InvalidOperationException($"The pull stored {result.Size} bytes, not {PullBytes}.");
            }

            await admin.DeleteObjectAsync(bucket, "pulled.bin", cancellationToken);
            BenchReport.Note($"2 GiB pull: curl|curl {PullBytes / MiB / reference:0} MiB/s, UrlIngestion {PullBytes / MiB / ours:0} MiB/s; RSS {startRss / MiB:0} MB before, peak {peak / MiB:0} MB");
            report.Metric("url_pull_seconds", ours, "s");
            report.Metric("url_pull_curl_seconds", reference, "s");
            report.Metric("url_pull_ratio", reference / ours, "x");
            report.Metric("url_pull_peak_rss", peak / MiB, "MB");
        }
        finally
        {
            origin.Kill(entireProcessTree: true);
            await origin.WaitForExitAsync(CancellationToken.None);
            File.Delete(body);
        }
    }

    private static async Task RunMultipartAsync(BenchReport report, string workDir, int rounds, CancellationToken cancellationToken)
    {
        var free = new DriveInfo(workDir).AvailableFreeSpace;
        if (free < 4 * MultipartBytes)
        {
            BenchReport.Note($"multipart skipped: {free / MiB / 1024:0} GiB free, {4 * MultipartBytes / MiB / 1024:0} GiB needed (source, parts, object, cp copy)");
            return;
        }

        var source = Path.Combine(workDir, "multipart-source.bin");
        await EnsureFileAsync(source, MultipartBytes);
        var root = Path.Combine(workDir, "mp-buckets");
        const string signingKey = "bench-multipart-signing-key-0123456789";

        // The silo's endpoint for local signed URLs, on Kestrel, as the embedded default serves it. Kestrel's blocks as
        // the silo sets them (OrleansMedia:ReceiveBlockKiB); ORLEANSMEDIA_BENCH_KESTREL_BLOCK_KIB compares others (4:
        // Kestrel's own pool). ORLEANSMEDIA_BENCH_TRANSPORT sets socket transport settings (the silo keeps Kestrel's);
        // ORLEANSMEDIA_BENCH_TRANSPORT_B starts a second endpoint with others, whose HttpClient upload becomes a fourth
        // side of every round: an A/B of the two in one run ("cached" there writes its parts through the page cache).
        var blockKib = int.TryParse(Environment.GetEnvironmentVariable("ORLEANSMEDIA_BENCH_KESTREL_BLOCK_KIB"), out var kib) ? kib : new SiloOptions().ReceiveBlockKiB;
        BenchReport.Note($"Kestrel memory pool blocks of {blockKib} KiB");
        var servers = new List<WebApplication>();
        async Task<(ObjectStorage Storage, DirectUploads Uploads)> StartServerAsync(string? knobs)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            // "cached": parts through the page cache (OrleansMedia:Storage:LocalUncachedPartWrites off); the rest are the socket transport's.
            var cached = knobs?.Split(',').Contains("cached") == true;
            knobs = knobs is null ? null : string.Join(',', knobs.Split(',').Where(k => k != "cached"));
            builder.Services.AddObjectStorage(o =>
            {
                o.DefaultLocalRoot = root;
                o.LocalSigningKey = signingKey;
                o.LocalUncachedPartWrites = !cached;
            });
            builder.Services.AddKestrelReceiveBlocks(blockKib);
            if (knobs is { Length: > 0 })
            {
                // Comma-separated: inline, nowait, ioq=N, maxread=KiB.
                builder.WebHost.UseSockets(o =>
                {
                    foreach (var knob in knobs.Split(','))
                    {
                        var value = knob.Contains('=', StringComparison.Ordinal) ? int.Parse(knob[(knob.IndexOf('=', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture) : 0;
                        switch (knob.Split('=')[0])
                        {
                            case "inline": o.UnsafePreferInlineScheduling = true; break;
                            case "nowait": o.WaitForDataBeforeAllocatingBuffer = false; break;
                            case "wait": o.WaitForDataBeforeAllocatingBuffer = true; break;
                            case "ioq": o.IOQueueCount = value; break;
                            case "maxread": o.MaxReadBufferSize = value * 1024L; break;
                            default: throw new ArgumentException($"unknown transport knob {knob}");
                        }
                    }
                });
            }

            var app = builder.Build();
            servers.Add(app);
            app.MapLocalObjectsApi();
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var storage = new ObjectStorage(
                Options.Create(new ObjectStorageOptions { DefaultLocalRoot = root, LocalSigningKey = signingKey, LocalPublicBaseUrl = address }),
                new LocalUrlSigner(signingKey));
            return (storage, new DirectUploads(storage, TimeProvider.System));
        }

        var knobsA = Environment.GetEnvironmentVariable("ORLEANSMEDIA_BENCH_TRANSPORT");
        var knobsB = Environment.GetEnvironmentVariable("ORLEANSMEDIA_BENCH_TRANSPORT_B");
        BenchReport.Note($"socket transport: {(knobsA is { Length: > 0 } ? knobsA : "Kestrel's defaults")}{(knobsB is { Length: > 0 } ? $"; B side: {knobsB}" : string.Empty)}");
        try
        {
            var (storage, uploads) = await StartServerAsync(knobsA);
            using var storageA = storage;
            var serverB = knobsB is { Length: > 0 } ? await StartServerAsync(knobsB) : default;
            using var storageB = serverB.Storage;
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = MultipartParallel }) { Timeout = TimeSpan.FromMinutes(30) };

            using var sendfile = new SendfilePutClient();

            // A silo's endpoint is warm in service: uploads of 48 parts of 5 MiB (a method tiers up after
            // 30 calls, and most run once per part) until tiered compilation has settled or 5 times (it
            // recompiles hot methods in the background for seconds, which took a fifth of the CPU of a cold round).
            var warmPlan = MultipartPlan.Create(48 * 5 * 1024 * 1024, 48);
            for (var warm = 1; warm <= 5; warm++)
            {
                var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
                foreach (var (client, via) in new[] { (null, uploads), (sendfile, uploads), (null, serverB.Uploads) })
                {
                    if (via is not null)
                    {
                        var (warmUpload, _, _) = await UploadAsync(via, http, client, source, warmPlan, "warm/up.bin", cancellationToken);
                        await storage.GetBucket("bench").DeleteAsync(warmUpload.Key, cancellationToken);
                    }
                }

                await Task.Delay(500, cancellationToken);
                var jit = System.Runtime.JitInfo.GetCompilationTime() - jitBefore;
                if (jit < TimeSpan.FromMilliseconds(50) || warm == 5)
                {
                    BenchReport.Note($"warm after {warm} rounds of 2 x 48 parts (JIT {jit.TotalMilliseconds:0} ms in the last)");
                    break;
                }
            }

            // Rounds of three sides, each from the same clean start: the source in the page cache (never dropped: that
            // would evict other engineers' files too), no dirty pages of an earlier side left to flush (sync before each,
            // untimed), the output folder on the same disk, no fsync on either side (cp does none; the store does none).
            // The order turns every round, so no side always follows the same one. The ratio is the median of the
            // rounds' own ratios: cp and the upload of one round run seconds apart and meet the same neighbours' load,
            // which a best-of-each pairing of different rounds does not.
            var plan = MultipartPlan.Create(MultipartBytes, MultipartParts);
            var copy = Path.Combine(workDir, "multipart-cp.bin");
            var cp = new List<Side>();
            var ours = new List<Side>();
            var sendfiles = new List<Side>();
            var oursB = new List<Side>();
            using var self = Process.GetCurrentProcess();

            // One upload of the 6 GB: seconds of the parts, of the completion, and the process's CPU seconds (both sides).
            async Task<Side> TimedUploadAsync(SendfilePutClient? client, DirectUploads via)
            {
                using var dirty = DirtyPages.Watch();
                self.Refresh();
                var cpuBefore = self.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                var (upload, info, completeSeconds) = await UploadAsync(via, http, client, source, plan, "big/upload.bin", cancellationToken);
                var seconds = sw.Elapsed.TotalSeconds - completeSeconds;
                self.Refresh();
                var cpuSeconds = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
                var peakDirty = await dirty.StopAsync();
                if (info.Size != MultipartBytes)
                {
                    throw new InvalidOperationException($"The upload assembled {info.Size} bytes, not {MultipartBytes}.");
                }

                await storage.GetBucket("bench").DeleteAsync(upload.Key, cancellationToken);
                return new Side(seconds, cpuSeconds, peakDirty, completeSeconds);
            }

            async Task<Side> TimedCopyAsync()
            {
                using var dirty = DirtyPages.Watch();
                var sw = Stopwatch.StartNew();
                var times = await RunToolAsync("sh", ["-c", "cp \"$1\" \"$2\" && times", "sh", source, copy], workDir);
                var seconds = sw.Elapsed.TotalSeconds;
                var peakDirty = await dirty.StopAsync();
                File.Delete(copy);
                return new Side(seconds, ChildCpuSeconds(times), peakDirty, 0);
            }

            var sides = new (string Name, Func<Task<Side>> Run, List<Side> Results)[]
            {
                ("cp", TimedCopyAsync, cp),
                ("HttpClient", () => TimedUploadAsync(null, uploads), ours),
                ("sendfile", () => TimedUploadAsync(sendfile, uploads), sendfiles),
                ("HttpClient B", () => TimedUploadAsync(null, serverB.Uploads!), oursB),
            };
            if (serverB.Uploads is null)
            {
                sides = sides[..^1];
            }

            // One untimed copy of the whole source first: the first 6 GiB copy after the source is written costs the
            // kernel about twice the CPU of every later one (measured: 10.4 s, then 4.4, 4.4, 5.0 s of system time),
            // and without this the first side of round 1 (always cp) paid it, in the upload's favour.
            await RunToolAsync("sync", [], workDir);
            var firstCopy = await RunToolAsync("sh", ["-c", "cp \"$1\" \"$2\" && times", "sh", source, copy], workDir);
            File.Delete(copy);
            BenchReport.Note($"untimed first copy of the source: {ChildCpuSeconds(firstCopy):0.0} s CPU");

            BenchReport.Note($"dirty page thresholds: background {DirtyPages.Read("nr_dirty_background_threshold") * 4096 / MiB:0} MiB, " +
                $"throttling from {(DirtyPages.Read("nr_dirty_background_threshold") + DirtyPages.Read("nr_dirty_threshold")) * 2048 / MiB:0} MiB, limit {DirtyPages.Read("nr_dirty_threshold") * 4096 / MiB:0} MiB");
            for (var round = 0; round < rounds; round++)
            {
                var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
                for (var i = 0; i < sides.Length; i++)
                {
                    var (_, run, results) = sides[(round + i) % sides.Length];
                    await RunToolAsync("sync", [], workDir);
                    results.Add(await run());
                }

                Side c = cp[round], h = ours[round], s = sendfiles[round];
                BenchReport.Note($"multipart round {round + 1} (load {load}, order {string.Join(" → ", Enumerable.Range(0, sides.Length).Select(i => sides[(round + i) % sides.Length].Name))}): " +
                    $"cp {c.Seconds:0.00} s ({MultipartBytes / MiB / c.Seconds:0} MiB/s, {c.CpuSeconds:0.0} s CPU, dirty peak {c.PeakDirtyBytes / MiB:0} MiB), " +
                    $"HttpClient parts {h.Seconds:0.00} s ({MultipartBytes / MiB / h.Seconds:0} MiB/s, {h.CpuSeconds:0.0} s CPU server and client, dirty peak {h.PeakDirtyBytes / MiB:0} MiB), complete {h.CompleteSeconds:0.00} s, ratio {c.Seconds / h.Seconds:0.00}; " +
                    $"sendfile parts {s.Seconds:0.00} s ({s.CpuSeconds:0.0} s CPU, dirty peak {s.PeakDirtyBytes / MiB:0} MiB), complete {s.CompleteSeconds:0.00} s, ratio {c.Seconds / s.Seconds:0.00}" +
                    (oursB.Count > round ? $"; HttpClient B parts {oursB[round].Seconds:0.00} s ({oursB[round].CpuSeconds:0.0} s CPU), ratio {c.Seconds / oursB[round].Seconds:0.00}" : string.Empty));
            }

            var ratios = cp.Zip(ours, (c, h) => c.Seconds / h.Seconds).ToArray();
            var sendfileRatios = cp.Zip(sendfiles, (c, s) => c.Seconds / s.Seconds).ToArray();
            BenchReport.Note($"multipart ratio per round: {string.Join(", ", ratios.Select(r => r.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))}; " +
                $"sendfile: {string.Join(", ", sendfileRatios.Select(r => r.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))} (medians reported)");
            report.Metric("multipart_rounds", rounds, "rounds");
            report.Metric("multipart_seconds", BenchReport.Median(ours.Select(h => h.Seconds)), "s");
            report.Metric("multipart_cp_seconds", BenchReport.Median(cp.Select(c => c.Seconds)), "s");
            report.Metric("multipart_ratio", BenchReport.Median(ratios), "x");
            report.Metric("multipart_ratio_min", ratios.Min(), "x");
            report.Metric("multipart_ratio_max", ratios.Max(), "x");
            var complete = BenchReport.Median(ours.Concat(sendfiles).Select(h => h.CompleteSeconds));
            report.Metric("multipart_complete_seconds", complete, "s");
            report.Metric("multipart_ratio_with_complete", BenchReport.Median(cp.Zip(ours, (c, h) => c.Seconds / (h.Seconds + h.CompleteSeconds))), "x");
            report.Metric("multipart_cpu_seconds", BenchReport.Median(ours.Select(h => h.CpuSeconds)), "s");
            report.Metric("multipart_cp_cpu_seconds", BenchReport.Median(cp.Select(c => c.CpuSeconds)), "s");
            report.Metric("multipart_sendfile_seconds", BenchReport.Median(sendfiles.Select(s => s.Seconds)), "s");
            report.Metric("multipart_sendfile_ratio", BenchReport.Median(sendfileRatios), "x");
            report.Metric("multipart_sendfile_cpu_seconds", BenchReport.Median(sendfiles.Select(s => s.CpuSeconds)), "s");
            if (oursB.Count > 0)
            {
                report.Metric("multipart_b_ratio", BenchReport.Median(cp.Zip(oursB, (c, h) => c.Seconds / h.Seconds)), "x");
                report.Metric("multipart_b_cpu_seconds", BenchReport.Median(oursB.Select(h => h.CpuSeconds)), "s");
                report.Metric("multipart_b_over_a_cpu", BenchReport.Median(oursB.Zip(ours, (b, a) => b.CpuSeconds / a.CpuSeconds)), "x");
                report.Metric("multipart_b_over_a_seconds", BenchReport.Median(oursB.Zip(ours, (b, a) => b.Seconds / a.Seconds)), "x");
            }
        }
        finally
        {
            foreach (var app in servers)
            {
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
            }

            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }

            File.Delete(source);
        }
    }

    /// <summary>One presigned multipart upload of <paramref name="source"/> from a plain HttpClient, then its completion (timed apart).</summary>
    private static async Task<(DirectMultipartUpload Upload, ObjectInfo Info, double CompleteSeconds)> UploadAsync(
        DirectUploads uploads, HttpClient http, SendfilePutClient? sendfile, string source, MultipartPlan plan, string key, CancellationToken cancellationToken)
    {
        var upload = await uploads.StartMultipartAsync("bench", key, plan, TimeSpan.FromHours(1), cancellationToken);
        await Parallel.ForEachAsync(upload.Parts, new ParallelOptions { MaxDegreeOfParallelism = MultipartParallel, CancellationToken = cancellationToken }, async (part, ct) =>
        {
            if (sendfile is not null)
            {
                await sendfile.PutAsync(part.Url, source, (part.PartNumber - 1) * plan.PartSize, checked((int)part.Size), ct);
                return;
            }

            await using var file = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
            file.Position = (part.PartNumber - 1) * plan.PartSize;
            using var content = new StreamContent(new LengthLimitedStream(file, part.Size), 1 << 20);
            content.Headers.ContentLength = part.Size;
            using var response = await http.PutAsync(part.Url, content, ct);
            response.EnsureSuccessStatusCode();
        });
        var sw = Stopwatch.StartNew();
        var info = await uploads.CompleteAsync("bench", upload.Key, upload.UploadId, plan, cancellationToken: cancellationToken);
        return (upload, info, sw.Elapsed.TotalSeconds);
    }

    /// <summary>One side of a multipart round: its seconds, CPU seconds, the most dirty page-cache bytes seen, the completion's seconds.</summary>
    private sealed record Side(double Seconds, double CpuSeconds, long PeakDirtyBytes, double CompleteSeconds);

    /// <summary>
    /// The kernel's dirty page-cache bytes (<c>/proc/vmstat</c>), sampled while one side runs: shows whether a side's
    /// writes reach the throttling threshold (where the kernel makes the writer wait for the disk) and the other's not.
    /// </summary>
    private sealed class DirtyPages : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<long> _sampler;

        private DirtyPages() => _sampler = Task.Run(async () =>
        {
            long peak = 0;
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            do
            {
                peak = Math.Max(peak, (Read("nr_dirty") + Read("nr_writeback")) * 4096);
            }
            while (!_stop.IsCancellationRequested && await timer.WaitForNextTickAsync(CancellationToken.None));
            return peak;
        });

        public static DirtyPages Watch() => new();

        /// <summary>One counter of <c>/proc/vmstat</c> (pages), 0 where there is none.</summary>
        public static long Read(string counter)
        {
            foreach (var line in File.ReadLines("/proc/vmstat"))
            {
                if (line.Length > counter.Length && line.StartsWith(counter, StringComparison.Ordinal) && line[counter.Length] == ' ')
                {
                    return long.Parse(line.AsSpan(counter.Length + 1), System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            return 0;
        }

        public async Task<long> StopAsync()
        {
            await _stop.CancelAsync();
            return await _sampler;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }

    /// <summary>The children's user + system seconds from the second line of the shell's <c>times</c> (<c>0m1.234s 0m5.678s</c>).</summary>
    private static double ChildCpuSeconds(string times)
    {
        var lines = times.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Sum(t =>
        {
            var m = t.IndexOf('m', StringComparison.Ordinal);
            return (double.Parse(t[..m], System.Globalization.CultureInfo.InvariantCulture) * 60) +
                double.Parse(t[(m + 1)..].TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);
        });
    }

    /// <summary>A file of <paramref name="size"/> bytes: a random MiB repeated (no file system here deduplicates).</summary>
    private static async Task EnsureFileAsync(string path, long size)
    {
        if (File.Exists(path) && new FileInfo(path).Length == size)
        {
            return;
        }

        var chunk = System.Security.Cryptography.RandomNumberGenerator.GetBytes(1 << 20);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        for (long written = 0; written < size; written += chunk.Length)
        {
            await file.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, size - written)));
        }
    }

    /// <summary>Runs a tool to its end; its standard output.</summary>
    private static async Task<string> RunToolAsync(string exe, IReadOnlyList<string> arguments, string workDir)
    {
        var psi = new ProcessStartInfo(exe) { WorkingDirectory = workDir, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{exe} failed ({p.ExitCode}): {await stderr}");
        }

        return await stdout;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (var i = 0; i < 200; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"Nothing listens on port {port}.");
    }

    /// <summary>The next <c>length</c> bytes of a stream (one part of the source file).</summary>
    private sealed class LengthLimitedStream(Stream inner, long size) : Stream
    {
        private readonly long _size = size;
        private long _left = size;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _size;

        public override long Position
        {
            get => _size - _left;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
            _left -= n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _left)], cancellationToken);
            _left -= n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
