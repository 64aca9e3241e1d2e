using Orleans.Media.Archives.Tests.Support;

namespace Orleans.Media.Archives.Tests;

/// <summary>Progress, cancellation and resuming from a checkpoint to the same output as a clean run.</summary>
public sealed class CheckpointTests
{
    [Theory]
    [InlineData("zip")]
    [InlineData("7z-solid")]
    public async Task Resuming_after_cancellation_skips_done_entries_and_ends_equal_to_a_clean_run(string kind)
    {
        using var h = new ArchiveHarness();
        var src = Directory.CreateDirectory(Path.Combine(h.Work, "many")).FullName;
        var rng = new Random(3);
        for (var i = 0; i < 120; i++)
        {
            var bytes = new byte[2_000 + (i * 97)];
            rng.NextBytes(bytes);
            await File.WriteAllBytesAsync(Path.Combine(src, $"f{i:000}.bin"), bytes);
        }

        var archive = ArchiveBuilder.Build(kind, src, h.Work);
        var clean = await h.ExtractAsync(archive, prefix: "clean");
        Assert.True(clean.Succeeded, clean.Error?.ToString());

        using var cts = new CancellationTokenSource();
        ExtractionCheckpoint? saved = null;
        var first = new ExtractionOptions
        {
            CheckpointEveryEntries = 10,
            MaxUploadsInFlight = 2,
            Checkpoint = c =>
            {
                if (saved is null && c.Count >= 30)
                {
                    saved = c;
                    cts.Cancel();
                }
            },
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.ExtractAsync(archive, first, "x", cts.Token));
        Assert.NotNull(saved);

        var progress = new List<ExtractionProgress>();
        var resumed = await h.ExtractAsync(archive, new ExtractionOptions { ResumeFrom = saved, Progress = progress.Add }, "x");

        Assert.True(resumed.Succeeded, resumed.Error?.ToString());
        Assert.Equal(h.OutputHashes("clean"), h.OutputHashes("x"));
        Assert.Equal(clean.Entries.Select(e => e with { Uri = null }), resumed.Entries.Select(e => e with { Uri = null }));
        Assert.Equal(120, resumed.Checkpoint.CompletedPrefix);

        var skippedBytes = clean.Entries.Where(e => saved!.Contains(e.Index)).Sum(e => e.UnPackedSize);
        Assert.True(skippedBytes > 0);
        Assert.Equal(clean.BytesWritten - skippedBytes, resumed.BytesWritten);

        // Progress counts resumed entries as done and ends at 100%.
        Assert.Equal(120, progress[^1].EntriesDone);
        Assert.Equal(1.0, progress[^1].Fraction);
        Assert.True(progress.Zip(progress.Skip(1)).All(p => p.Second.BytesDone >= p.First.BytesDone));
    }

    [Fact]
    public void Checkpoint_contains_prefix_and_stragglers()
    {
        var c = new ExtractionCheckpoint(5, new List<int> { 7, 9 });
        Assert.True(c.Contains(0));
        Assert.True(c.Contains(4));
        Assert.False(c.Contains(5));
        Assert.True(c.Contains(7));
        Assert.False(c.Contains(8));
        Assert.Equal(7, c.Count);
    }
}
