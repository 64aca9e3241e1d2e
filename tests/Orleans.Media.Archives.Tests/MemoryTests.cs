using System.Diagnostics;
using System.IO.Compression;
using Orleans.Media.Archives.Tests.Support;

namespace Orleans.Media.Archives.Tests;

[CollectionDefinition(nameof(MemoryCollection), DisableParallelization = true)]
public sealed class MemoryCollection;

/// <summary>Peak memory stays bounded while a few hundred MB stream through the pipeline. Runs alone: it measures the process.</summary>
[Collection(nameof(MemoryCollection))]
public sealed class MemoryTests
{
    [Fact]
    public async Task Extracting_300_MB_keeps_peak_working_set_within_200_MB_of_baseline()
    {
        using var h = new ArchiveHarness();
        var archive = Path.Combine(h.Work, "big.zip");
        long total = 0;
        using (var zip = ZipFile.Open(archive, ZipArchiveMode.Create))
        {
            var block = new byte[1 << 20];
            new Random(5).NextBytes(block);
            foreach (var (name, mb) in new[] { ("huge-1.bin", 120), ("huge-2.bin", 100), ("text.log", 0) })
            {
                await using var s = zip.CreateEntry(name, mb > 0 ? CompressionLevel.NoCompression : CompressionLevel.Fastest).Open();
                for (var i = 0; i < mb; i++)
                {
                    block[0] = (byte)i; // distinct blocks
                    await s.WriteAsync(block);
                    total += block.Length;
                }
            }

            for (var i = 0; i < 400; i++)
            {
                await using var s = zip.CreateEntry($"small/{i}.txt", CompressionLevel.Fastest).Open();
                var text = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat($"entry {i} line of text\n", 9_000)));
                await s.WriteAsync(text);
                total += text.Length;
            }
        }

        Assert.True(total > 300_000_000, $"{total:N0}");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var baseline = process.WorkingSet64;
        long peak = baseline;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
                await Task.Delay(20);
            }
        });

        var result = await h.ExtractAsync(archive);
        await stop.CancelAsync();
        await sampler;

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(total, result.BytesWritten);
        Assert.Equal(403, result.Entries.Count);
        var growthMb = (peak - baseline) / 1024.0 / 1024.0;
        Assert.True(growthMb < 200, $"working set grew {growthMb:0} MB (baseline {baseline / 1048576} MB)");
        Assert.Equal(TreeHashes.Hash(Path.Combine(h.OutFolder(), "huge-2.bin")), h.BsdtarHashes(archive)["huge-2.bin"]);
    }
}
