using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Processing.Actions;
using Orleans.Media.Storage;

namespace Orleans.Media.Processing.Tests;

/// <summary>
/// A local-folder bucket root and the data plane's services over it, with its own scratch root so a test can see
/// that a run leaves nothing behind. Inputs are made by the real tools (ffmpeg lavfi sources, libvips) in the test.
/// </summary>
public sealed class ProcessingHost : IDisposable
{
    public const string Bucket = "media";

    public ProcessingHost(Action<ProcessingOptions>? configure = null, Action<Ingestion.UrlIngestionOptions>? ingestion = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "om-proc-" + Guid.NewGuid().ToString("N")[..10]);
        ScratchRoot = Path.Combine(Root, "scratch");
        Directory.CreateDirectory(Path.Combine(Root, "buckets", Bucket));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddObjectStorage(o => o.DefaultLocalRoot = Path.Combine(Root, "buckets"));
        services.AddMediaProcessing(
            o =>
            {
                o.ScratchRoot = ScratchRoot;
                configure?.Invoke(o);
            },
            ingestion);
        Services = services.BuildServiceProvider();
    }

    public string Root { get; }

    public string ScratchRoot { get; }

    public ServiceProvider Services { get; }

    public IObjectStorage Storage => Services.GetRequiredService<IObjectStorage>();

    public MediaActionRegistry Actions => Services.GetRequiredService<MediaActionRegistry>();

    public static ObjectUri Uri(string key) => new("oss", Bucket, key);

    /// <summary>The file behind a key of the test bucket.</summary>
    public string PathOf(string key) => Path.Combine(Root, "buckets", Bucket, key);

    public async Task<ObjectUri> PutFileAsync(string key, string file)
    {
        await using var input = File.OpenRead(file);
        await Storage.GetBucket(Bucket).PutAsync(key, input);
        return Uri(key);
    }

    public async Task<ObjectUri> PutBytesAsync(string key, byte[] bytes)
    {
        await Storage.GetBucket(Bucket).PutAsync(key, new MemoryStream(bytes));
        return Uri(key);
    }

    /// <summary>Makes a file with ffmpeg (lavfi sources) and stores it under <paramref name="key"/>.</summary>
    public async Task<ObjectUri> MakeWithFfmpegAsync(string key, params string[] arguments)
    {
        var file = Path.Combine(Root, "made-" + Guid.NewGuid().ToString("N")[..8] + Path.GetExtension(key));
        await Tool.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", .. arguments, file]);
        return await PutFileAsync(key, file);
    }

    /// <summary>A 2 s 128x96 25 fps test pattern with a 440 Hz mono tone, H.264/AAC in MP4.</summary>
    public Task<ObjectUri> MakeClipAsync(string key, int seconds = 2, string size = "128x96") =>
        MakeWithFfmpegAsync(
            key,
            "-f", "lavfi", "-i", $"testsrc=size={size}:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=44100:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "1", "-shortest");

    public Task<ObjectUri> MakeImageAsync(string key, int width = 64, int height = 64, string suffix = ".png")
    {
        using var black = NetVips.Image.Black(width, height, bands: 3);
        using var image = (black + new[] { 200.0, 30, 90 }).Cast(NetVips.Enums.BandFormat.Uchar);
        return PutBytesAsync(key, image.WriteToBuffer(suffix));
    }

    public void Dispose()
    {
        Services.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Files left in the scratch root (there should be none after any run).</summary>
    public string[] ScratchLeftovers() =>
        Directory.Exists(ScratchRoot) ? Directory.GetFileSystemEntries(ScratchRoot) : [];
}

/// <summary>The real tools, run directly to make inputs and check outputs independently of the code under test.</summary>
public static class Tool
{
    public static async Task<string> RunAsync(string exe, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{exe} failed ({process.ExitCode}): {await stderr}");
        }

        return await stdout;
    }

    /// <summary>ffprobe's JSON for a file.</summary>
    public static async Task<JsonElement> ProbeAsync(string file)
    {
        var json = await RunAsync("ffprobe", ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", file]);
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    public static JsonElement Stream(JsonElement probe, string type) =>
        probe.GetProperty("streams").EnumerateArray().First(s => s.GetProperty("codec_type").GetString() == type);

    /// <summary>Waits for a condition, polling; fails after <paramref name="timeout"/> (generous: the machine is loaded).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting until " + what);
            }

            await Task.Delay(50);
        }
    }

    /// <summary>PIDs of live processes whose command line contains <paramref name="text"/>.</summary>
    public static List<int> ProcessesWith(string text)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var state = stat[(stat.LastIndexOf(')') + 2)..][0];
                if (cmdline.Contains(text, StringComparison.Ordinal) && state != 'Z')
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
