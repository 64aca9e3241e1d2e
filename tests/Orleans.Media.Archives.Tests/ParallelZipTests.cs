using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.Extensions.Logging;
using Orleans.Media.Archives.Tests.Support;
using Orleans.Media.Storage;

namespace Orleans.Media.Archives.Tests;

/// <summary>
/// A zip's entries decoded on several threads: the same objects, entries, sizes and times as sequential decoding
/// through libarchive — including when a middle entry is corrupt (the run stops there, everything before it written,
/// nothing after) and when a run is interrupted and resumed from its checkpoint.
/// </summary>
public sealed class ParallelZipTests
{
    private static readonly ExtractionOptions Sequential = new() { MaxDecodeThreads = 1 };
    private static readonly ExtractionOptions Parallel = new() { MaxDecodeThreads = 4, ParallelZipMinBytes = 0 };

    [Fact]
    public async Task Parallel_decoding_writes_what_sequential_decoding_writes()
    {
        using var h = new ArchiveHarness();
        var source = Mixed(h.Work, corruptibleLarge: false);
        var archive = ArchiveBuilder.Build("zip", source, h.Work);
        var (engine, log) = Logged(h);

        var parallel = await engine.ExtractAsync(h.Upload(archive), ObjectUri.Parse("oss://out/p/"), Parallel);
        var sequential = await h.ExtractAsync(archive, Sequential, "s");

        Assert.Contains(log, l => l.StartsWith("Decoding ", StringComparison.Ordinal) && l.Contains(" zip entries on 4 threads", StringComparison.Ordinal));
        Assert.True(parallel.Succeeded, parallel.Error?.ToString());
        Assert.True(sequential.Succeeded, sequential.Error?.ToString());
        Assert.Equal(TreeHashes.Of(source), h.OutputHashes("p"));
        Assert.Equal(h.OutputHashes("s"), h.OutputHashes("p"));
        Assert.Equal(sequential.Entries.Select(e => e with { Uri = null }), parallel.Entries.Select(e => e with { Uri = null }));
        Assert.Equal(sequential.BytesWritten, parallel.BytesWritten);
        Assert.Equal(sequential.Checkpoint.CompletedPrefix, parallel.Checkpoint.CompletedPrefix);

        // A selection reads only its entries, with the full archive's indices.
        var selected = await engine.ExtractAsync(h.Upload(archive), ObjectUri.Parse("oss://out/sel/"), Parallel with { SelectedPaths = ["d1/", "big-00.bin"] });
        var selectedSeq = await h.ExtractAsync(archive, Sequential with { SelectedPaths = ["d1/", "big-00.bin"] }, "sel-s");
        Assert.True(selected.Succeeded, selected.Error?.ToString());
        Assert.Equal(h.OutputHashes("sel-s"), h.OutputHashes("sel"));
        Assert.Equal(selectedSeq.Entries.Select(e => e with { Uri = null }), selected.Entries.Select(e => e with { Uri = null }));
    }

    [Fact]
    public async Task A_corrupt_middle_entry_stops_both_ways_at_the_same_entry_with_the_same_output()
    {
        using var h = new ArchiveHarness();
        var source = Mixed(h.Work, corruptibleLarge: true);
        var archive = Path.Combine(h.Work, "damaged.zip");

        // Archive order: big-00 .. big-03, then "middle.bin" (the largest, so the other threads run ahead of it through
        // the small entries after it), then small ones.
        var names = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(source, f)).Order(StringComparer.Ordinal).ToList();
        names.Remove("middle.bin");
        names.Insert(4, "middle.bin");
        using (var zip = ZipFile.Open(archive, ZipArchiveMode.Create))
        {
            foreach (var name in names)
            {
                zip.CreateEntryFromFile(Path.Combine(source, name), name, CompressionLevel.Fastest);
            }
        }

        // Flip bytes near the end of middle.bin's data: the other threads finish every entry after it before the damage.
        var bytes = await File.ReadAllBytesAsync(archive);
        using (var zip = ZipFile.OpenRead(archive))
        {
            var entries = zip.Entries.ToList();
            var middle = entries.Single(e => e.FullName == "middle.bin");
            var offset = bytes.AsSpan().IndexOf("middle.bin"u8) + 10;
            for (var i = 0; i < 64; i++)
            {
                bytes[offset + (int)(middle.CompressedLength * 9 / 10) + i] ^= 0x5A;
            }
        }

        await File.WriteAllBytesAsync(archive, bytes);
        var (engine, _) = Logged(h);

        var parallel = await engine.ExtractAsync(h.Upload(archive), ObjectUri.Parse("oss://out/p/"), Parallel);
        var sequential = await h.ExtractAsync(archive, Sequential, "s");

        Assert.Equal(ArchiveErrorCode.Corrupt, sequential.Error?.Code);
        Assert.Equal(ArchiveErrorCode.Corrupt, parallel.Error?.Code);
        Assert.Equal("middle.bin", parallel.Error?.EntryName);
        Assert.Equal(sequential.Error?.EntryName, parallel.Error?.EntryName);

        // Everything before the damage, nothing after it, no partial object; the entries listed are those written.
        var before = names.Take(4).ToList();
        Assert.Equal(before.Order(StringComparer.Ordinal), h.OutputHashes("p").Keys);
        Assert.Equal(h.OutputHashes("s"), h.OutputHashes("p"));
        Assert.Equal(before, parallel.Entries.Where(e => e.Succeeded).Select(e => e.PathName));
        Assert.Equal(ArchiveErrorCode.Corrupt, parallel.Entries[^1].Code);
        Assert.Equal(sequential.Entries.Select(e => (e.Index, e.PathName, e.Succeeded)), parallel.Entries.Select(e => (e.Index, e.PathName, e.Succeeded)));
        Assert.DoesNotContain(h.FilesOutside("p"), f => !f.Contains("/out/s/", StringComparison.Ordinal));
        Assert.Equal(4, parallel.Checkpoint.CompletedPrefix);
        Assert.Empty(parallel.Checkpoint.CompletedBeyondPrefix);
    }

    [Fact]
    public async Task Resuming_an_interrupted_parallel_run_completes_it_equal_to_a_clean_run()
    {
        using var h = new ArchiveHarness();
        var source = Mixed(h.Work, corruptibleLarge: false);
        var archive = ArchiveBuilder.Build("zip", source, h.Work);
        var (engine, _) = Logged(h);
        var clean = await h.ExtractAsync(archive, Sequential, "clean");

        using var cts = new CancellationTokenSource();
        ExtractionCheckpoint? saved = null;
        var first = Parallel with
        {
            CheckpointEveryEntries = 3,
            MaxUploadsInFlight = 2,
            Checkpoint = c =>
            {
                if (saved is null && c.Count >= 6)
                {
                    saved = c;
                    cts.Cancel();
                }
            },
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.ExtractAsync(h.Upload(archive), ObjectUri.Parse("oss://out/x/"), first, cts.Token));
        Assert.NotNull(saved);
        Assert.True(saved.Count < clean.Entries.Count);

        var resumed = await engine.ExtractAsync(h.Upload(archive), ObjectUri.Parse("oss://out/x/"), Parallel with { ResumeFrom = saved });

        Assert.True(resumed.Succeeded, resumed.Error?.ToString());
        Assert.Equal(h.OutputHashes("clean"), h.OutputHashes("x"));
        Assert.Equal(clean.Entries.Select(e => e with { Uri = null }), resumed.Entries.Select(e => e with { Uri = null }));
        var skipped = clean.Entries.Where(e => saved.Contains(e.Index)).Sum(e => e.UnPackedSize);
        Assert.Equal(clean.BytesWritten - skipped, resumed.BytesWritten);
    }

    [Fact]
    public async Task Encrypted_or_small_zips_stay_on_libarchive()
    {
        using var h = new ArchiveHarness();
        var source = Mixed(h.Work, corruptibleLarge: false);
        var (engine, log) = Logged(h);

        var aes = ArchiveBuilder.Build("zip-aes", source, h.Work, "pw");
        var result = await engine.ExtractAsync(h.Upload(aes), ObjectUri.Parse("oss://out/a/"), Parallel with { Passphrases = ["pw"] });
        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(TreeHashes.Of(source), h.OutputHashes("a"));

        var plain = ArchiveBuilder.Build("zip", source, h.Work);
        var small = await engine.ExtractAsync(h.Upload(plain), ObjectUri.Parse("oss://out/b/"), Parallel with { ParallelZipMinBytes = 1L << 40 });
        Assert.True(small.Succeeded, small.Error?.ToString());
        Assert.DoesNotContain(log, l => l.StartsWith("Decoding ", StringComparison.Ordinal));
    }

    /// <summary>Large and small files, some compressible, in folders; optionally a larger random middle.bin.</summary>
    private static string Mixed(string work, bool corruptibleLarge)
    {
        var root = Path.Combine(work, "mixed");
        var rng = new Random(11);
        for (var i = 0; i < 4; i++)
        {
            var data = new byte[600_000 + (i * 50_000)];
            rng.NextBytes(data);
            Directory.CreateDirectory(root);
            File.WriteAllBytes(Path.Combine(root, $"big-{i:00}.bin"), data);
        }

        for (var i = 0; i < 24; i++)
        {
            var dir = Path.Combine(root, $"d{i % 3}");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, $"t{i:00}.txt"), string.Concat(Enumerable.Repeat($"line {i} of text ", 2_000 + (i * 100))));
        }

        File.WriteAllBytes(Path.Combine(root, "empty.dat"), []);
        if (corruptibleLarge)
        {
            var data = new byte[12_000_000];
            rng.NextBytes(data);
            File.WriteAllBytes(Path.Combine(root, "middle.bin"), data);
        }

        return root;
    }

    private static (ObjectArchiveExtractor Engine, ConcurrentQueue<string> Log) Logged(ArchiveHarness h)
    {
        var log = new ConcurrentQueue<string>();
        var extractor = new ArchiveExtractor(new ListLogger(log));
        return (new ObjectArchiveExtractor(h.Storage, extractor), log);
    }

    private sealed class ListLogger(ConcurrentQueue<string> lines) : ILogger<ArchiveExtractor>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(formatter(state, exception));
    }
}
