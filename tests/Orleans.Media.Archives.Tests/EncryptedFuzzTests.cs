using System.Diagnostics;
using Orleans.Media.Archives.Tests.Support;

namespace Orleans.Media.Archives.Tests;

/// <summary>
/// Mutated encrypted 7z and RAR archives through the SharpCompress path with the right password: every run ends (well
/// within a time limit) with a result, never a crash; nothing lands outside the target; whatever is written is
/// byte-identical to one of the original files (the CRC-32 check refuses damaged data); memory stays bounded. Runs
/// alone: it measures the process.
/// </summary>
[Collection(nameof(MemoryCollection))]
public sealed class EncryptedFuzzTests
{
    private const string Password = "fuzz-secret";

    public static TheoryData<string, int> Inputs => new()
    {
        { "7z:-mhe=on -ms=on", 1 },
        { "7z:-mhe=off -ms=on", 2 },
        { "7z:-mhe=off -ms=off -m0=copy", 3 },
        { "rar:Rar5.encrypted_filesAndHeader.rar", 4 },
        { "rar:Rar.encrypted_filesOnly.rar", 5 },
        { "rar:Rar.Encrypted.rar", 6 },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task Mutated_encrypted_archives_end_cleanly_within_limits(string input, int seed)
    {
        using var h = new ArchiveHarness();
        string archive, password;
        HashSet<string> originals;
        if (input.StartsWith("rar:", StringComparison.Ordinal))
        {
            archive = Fixtures.RarEncrypted(input[4..]);
            password = "test";
            var clean = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [password] }, "clean");
            Assert.True(clean.Succeeded, clean.Error?.ToString());
            originals = [.. h.OutputHashes("clean").Values];
        }
        else
        {
            var source = Path.Combine(h.Work, "src");
            var rng0 = new Random(seed);
            Directory.CreateDirectory(Path.Combine(source, "d"));
            for (var i = 0; i < 6; i++)
            {
                var bytes = new byte[1_000 + rng0.Next(40_000)];
                rng0.NextBytes(bytes);
                await File.WriteAllBytesAsync(Path.Combine(source, i % 2 == 0 ? "d" : "", $"f{i}.bin"), bytes);
            }

            await File.WriteAllTextAsync(Path.Combine(source, "t.txt"), string.Concat(Enumerable.Repeat("some text ", 5_000)));
            archive = EncryptedArchiveTests.SevenZip(h, source, input[3..], Password);
            password = Password;
            originals = [.. TreeHashes.Of(source).Values];
        }

        var original = await File.ReadAllBytesAsync(archive);
        var rng = new Random(seed);
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var baseline = process.WorkingSet64;
        long peak = baseline;
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var gen2Before = GC.CollectionCount(2);
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

        var codes = new Dictionary<string, int>();
        for (var i = 0; i < 40; i++)
        {
            var bytes = (byte[])original.Clone();
            for (var m = 1 + rng.Next(4); m > 0; m--)
            {
                bytes[rng.Next(bytes.Length)] ^= (byte)(1 + rng.Next(255));
            }

            var mutated = Path.Combine(h.Work, $"m{i}{Path.GetExtension(archive)}");
            await File.WriteAllBytesAsync(mutated, bytes);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var prefix = $"m{i}";
            var result = await h.ExtractAsync(mutated, new ExtractionOptions { Passphrases = [password], Limits = new ArchiveLimits { MaxTotalOutputBytes = 50_000_000 } }, prefix, limit.Token);

            var key = result.Error?.Code.ToString() ?? "ok";
            codes[key] = codes.GetValueOrDefault(key) + 1;
            Assert.All(h.OutputHashes(prefix).Values, hash => Assert.Contains(hash, originals));
            Assert.DoesNotContain(h.FilesOutside(prefix), f => !System.Text.RegularExpressions.Regex.IsMatch(f, "/out/(m[0-9]+|clean)/"));
            File.Delete(mutated);

            // Each extraction starts from a collected heap, so the peak is what one extraction holds at its worst, and
            // a leak still adds up across the forty. Without it, the garbage SharpCompress's RAR 4 key derivation
            // leaves (about 19 MB of large arrays per key) piled up as far as the collector's budget let it, and that
            // budget depends on what earlier tests left in the process: 274 and 311 MB in two CI runs, 7-10 MB in others.
            GC.Collect();
        }

        await stop.CancelAsync();
        await sampler;
        var growthMb = (peak - baseline) / 1048576.0;
        Assert.True(growthMb < 256,
            $"working set grew {growthMb:0} MB; outcomes {string.Join(", ", codes)}; allocated {(GC.GetTotalAllocatedBytes() - allocatedBefore) >> 20} MB, " +
            $"{GC.CollectionCount(2) - gen2Before} gen2 collections, background GC {AppContext.GetData("System.GC.Concurrent") ?? "default"}");
    }
}
