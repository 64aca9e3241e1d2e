using Orleans.Media.Archives.Tests.Support;

namespace Orleans.Media.Archives.Tests;

/// <summary>Selected files and folders: only they are written, and from a zip only their byte ranges are read.</summary>
public sealed class SelectedEntriesTests
{
    [Fact]
    public async Task Three_entries_from_a_large_zip_read_a_small_fraction_of_it()
    {
        using var h = new ArchiveHarness();
        var src = Directory.CreateDirectory(Path.Combine(h.Work, "big")).FullName;
        var rng = new Random(1);
        var data = new byte[200_000];
        for (var d = 0; d < 10; d++)
        {
            Directory.CreateDirectory(Path.Combine(src, $"dir{d}"));
            for (var f = 0; f < 30; f++)
            {
                rng.NextBytes(data);
                await File.WriteAllBytesAsync(Path.Combine(src, $"dir{d}", $"file-{f}.bin"), data);
            }
        }

        var archive = Path.Combine(h.Work, "big.zip");
        Tools.Run(src, "zip", "-q", "-r", "-0", archive, ".");
        var archiveSize = new FileInfo(archive).Length;
        Assert.True(archiveSize > 55_000_000);
        string[] selected = ["dir3/file-7.bin", "dir8/file-29.bin", "dir0/file-0.bin"];

        var result = await h.ExtractAsync(archive, new ExtractionOptions { SelectedPaths = selected });

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(selected.Order(), h.OutputHashes().Keys);
        Assert.Equal(selected.Order(), result.Entries.Select(e => e.PathName).Order());
        var all = h.BsdtarHashes(archive);
        Assert.All(h.OutputHashes(), kv => Assert.Equal(all[kv.Key], kv.Value));
        var fetched = result.SourceBytesFetched!.Value;
        var pct = 100.0 * fetched / archiveSize;
        Assert.True(pct < 3.0, $"read {fetched:N0} of {archiveSize:N0} bytes ({pct:0.00}%)");
        Assert.True(fetched >= 3 * 200_000, "the selected entries' data must have been read");
    }

    [Fact]
    public async Task A_selected_folder_means_everything_under_it_and_unmatched_selections_are_reported()
    {
        using var h = new ArchiveHarness();
        var archive = ArchiveBuilder.Build("7z-solid", SampleTrees.Create(h.Work), h.Work);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { SelectedPaths = ["bin/", "./ünïcødé\\日本語", "no/such/thing"] });

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(["bin/big.txt", "bin/random.bin", "bin/zero-length.dat", "ünïcødé/日本語/ファイル.txt"], h.OutputHashes().Keys);
        Assert.Equal(["no/such/thing"], result.UnmatchedSelections);
        Assert.DoesNotContain(result.Entries, e => e.PathName == "readme.txt");
        var all = h.BsdtarHashes(archive);
        Assert.All(h.OutputHashes(), kv => Assert.Equal(all[kv.Key], kv.Value));
    }
}
