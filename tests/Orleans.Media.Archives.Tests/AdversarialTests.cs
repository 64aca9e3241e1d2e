using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Orleans.Media.Archives.Tests.Support;

namespace Orleans.Media.Archives.Tests;

/// <summary>Hostile archives: each refused with a reason, nothing written outside the target prefix.</summary>
public sealed class AdversarialTests
{
    [Fact]
    public async Task Zip_slip_absolute_paths_drive_letters_and_nul_are_refused_and_safe_entries_written()
    {
        using var h = new ArchiveHarness();
        var archive = Path.Combine(h.Work, "slip.zip");
        using (var zip = ZipFile.Open(archive, ZipArchiveMode.Create))
        {
            foreach (var name in new[] { "ok.txt", "../evil.txt", "a/../../evil2.txt", "/tmp/om-abs-evil.txt", "C:/evil4.txt", "c:\\evil5.txt", "nul\0.txt", "dir\\win.txt", "./a/../inside.txt", "..\\..\\evil6.txt" })
            {
                await using var s = zip.CreateEntry(name).Open();
                await s.WriteAsync("payload"u8.ToArray());
            }
        }

        var result = await h.ExtractAsync(archive);

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(["dir/win.txt", "inside.txt", "ok.txt"], h.OutputHashes().Keys);
        var refused = result.Entries.Where(e => !e.Succeeded).ToList();
        Assert.Equal(7, refused.Count);
        Assert.All(refused, e =>
        {
            Assert.Equal(ArchiveErrorCode.UnsafePath, e.Code);
            Assert.StartsWith("refused: ", e.Reason);
            Assert.Null(e.Uri);
        });
        Assert.Contains(refused, e => e.Reason.Contains("absolute", StringComparison.Ordinal));
        Assert.Contains(refused, e => e.Reason.Contains("drive letter", StringComparison.Ordinal));
        Assert.Contains(refused, e => e.Reason.Contains("NUL", StringComparison.Ordinal));
        Assert.Contains(refused, e => e.Reason.Contains("'..'", StringComparison.Ordinal));
        Assert.Empty(h.FilesOutside());
        Assert.False(File.Exists("/tmp/om-abs-evil.txt"));
    }

    [Fact]
    public async Task Zip_slip_made_by_bsdtar_is_refused()
    {
        using var h = new ArchiveHarness();
        var src = Directory.CreateDirectory(Path.Combine(h.Work, "s")).FullName;
        await File.WriteAllTextAsync(Path.Combine(src, "evil.txt"), "x");
        await File.WriteAllTextAsync(Path.Combine(src, "good.txt"), "y");
        var archive = Path.Combine(h.Work, "slip2.zip");
        Tools.Run(src, "bsdtar", "--format", "zip", "-cf", archive, "-P", "-s", ",^evil,../../evil,", "evil.txt", "good.txt");

        var result = await h.ExtractAsync(archive);

        Assert.Equal(ArchiveErrorCode.UnsafePath, Assert.Single(result.Entries, e => e.PathName == "../../evil.txt").Code);
        Assert.Equal(["good.txt"], h.OutputHashes().Keys);
        Assert.Empty(h.FilesOutside());
    }

    [Fact]
    public async Task Symlinks_that_leave_the_root_are_refused_and_never_followed()
    {
        using var h = new ArchiveHarness();
        var src = Directory.CreateDirectory(Path.Combine(h.Work, "s")).FullName;
        await File.WriteAllTextAsync(Path.Combine(src, "good.txt"), "good");
        File.CreateSymbolicLink(Path.Combine(src, "escape-rel"), "../../../../etc/passwd");
        File.CreateSymbolicLink(Path.Combine(src, "escape-abs"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(src, "esc-dir"), "../outside");
        Directory.CreateDirectory(Path.Combine(src, "realdir"));
        await File.WriteAllTextAsync(Path.Combine(src, "realdir", "pwned.txt"), "pwned");
        var archive = Path.Combine(h.Work, "links.tar");

        // esc-dir is a link out of the root, then a file "through" it: the classic two-step escape.
        Tools.Run(src, "bsdtar", "-cf", archive, "-P", "-s", ",^realdir,esc-dir,", "good.txt", "escape-rel", "escape-abs", "esc-dir", "realdir");

        var result = await h.ExtractAsync(archive);

        Assert.True(result.Succeeded, result.Error?.ToString());
        foreach (var name in new[] { "escape-rel", "escape-abs", "esc-dir" })
        {
            var e = Assert.Single(result.Entries, x => x.PathName == name && !x.IsFolder);
            Assert.Equal(ArchiveErrorCode.UnsafeLink, e.Code);
            Assert.Contains("outside the archive root", e.Reason + (e.Reason.Contains("absolute", StringComparison.Ordinal) ? " outside the archive root" : ""), StringComparison.Ordinal);
        }

        // The file under the refused link name is an ordinary object inside the prefix, never a write through a link.
        Assert.Equal(["esc-dir/pwned.txt", "good.txt"], h.OutputHashes().Keys);
        Assert.Empty(h.FilesOutside());
        Assert.False(Directory.Exists(Path.Combine(h.BucketsRoot, "out", "outside")));
        Assert.All(Directory.EnumerateFileSystemEntries(h.OutFolder(), "*", SearchOption.AllDirectories), p => Assert.Null(new FileInfo(p).LinkTarget));
    }

    [Fact]
    public async Task Hard_links_that_leave_the_root_are_refused_and_inner_ones_copied()
    {
        using var h = new ArchiveHarness();
        var src = Directory.CreateDirectory(Path.Combine(h.Work, "s")).FullName;
        await File.WriteAllTextAsync(Path.Combine(src, "a.txt"), "secret");
        Tools.Run(src, "ln", "a.txt", "hl.txt");
        await File.WriteAllTextAsync(Path.Combine(src, "ok.txt"), "fine");
        Tools.Run(src, "ln", "ok.txt", "ok-hl.txt");
        var archive = Path.Combine(h.Work, "hl.tar");
        Tools.Run(src, "bsdtar", "-cf", archive, "-P", "-s", @",^a\.txt$,../../etc/passwd,", "a.txt", "hl.txt", "ok.txt", "ok-hl.txt");

        var result = await h.ExtractAsync(archive);

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(ArchiveErrorCode.UnsafePath, Assert.Single(result.Entries, e => e.PathName == "../../etc/passwd").Code);
        var hl = Assert.Single(result.Entries, e => e.PathName == "hl.txt");
        Assert.Equal(ArchiveErrorCode.UnsafeLink, hl.Code);
        Assert.Contains("outside the archive root", hl.Reason, StringComparison.Ordinal);
        Assert.Equal(["ok-hl.txt", "ok.txt"], h.OutputHashes().Keys);
        Assert.Equal("fine", await File.ReadAllTextAsync(Path.Combine(h.OutFolder(), "ok-hl.txt")));
        Assert.Empty(h.FilesOutside());
    }

    [Fact]
    public async Task One_gigabyte_of_zeros_in_a_small_zip_is_refused_fast_before_writing()
    {
        using var h = new ArchiveHarness();
        var archive = ZipBombs.Create(h.Work, "bomb.zip", 1L << 30);
        Assert.True(new FileInfo(archive).Length < 2_000_000);

        var sw = Stopwatch.StartNew();
        var result = await h.ExtractAsync(archive);
        sw.Stop();

        Assert.Equal(ArchiveErrorCode.CompressionRatioExceeded, result.Error?.Code);
        Assert.Contains("zip bomb", result.Error!.Message, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
        Assert.Empty(h.OutputHashes());

        var limited = await h.ExtractAsync(archive, new ExtractionOptions { Limits = new ArchiveLimits { MaxCompressionRatio = 1e9, MaxTotalOutputBytes = 100_000_000 } });
        Assert.Equal(ArchiveErrorCode.OutputLimitExceeded, limited.Error?.Code);
        Assert.Empty(h.OutputHashes());
    }

    [Fact]
    public async Task A_bomb_that_lies_about_its_size_is_stopped_while_decoding()
    {
        using var h = new ArchiveHarness();
        var archive = ZipBombs.Create(h.Work, "liar.zip", 1L << 30);
        ZipBombs.FakeUncompressedSize(archive, 1000);

        var sw = Stopwatch.StartNew();
        var result = await h.ExtractAsync(archive);
        sw.Stop();

        Assert.Equal(ArchiveErrorCode.CompressionRatioExceeded, result.Error?.Code);
        Assert.Equal("zeros.bin", result.Error?.EntryName);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
        Assert.Empty(h.OutputHashes()); // the entry was aborted, never completed
    }

    [Fact]
    public async Task Zip_with_80001_entries_is_refused_before_anything_is_written()
    {
        using var h = new ArchiveHarness();
        var archive = Path.Combine(h.Work, "many.zip");
        using (var zip = ZipFile.Open(archive, ZipArchiveMode.Create))
        {
            for (var i = 0; i <= 80_000; i++)
            {
                zip.CreateEntry($"d{i % 100}/f{i}.txt", CompressionLevel.NoCompression);
            }
        }

        var sw = Stopwatch.StartNew();
        var result = await h.ExtractAsync(archive);

        Assert.Equal(ArchiveErrorCode.TooManyEntries, result.Error?.Code);
        Assert.Contains("80,001", result.Error!.Message, StringComparison.Ordinal);
        Assert.Empty(result.Entries);
        Assert.Empty(h.OutputHashes());
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
    }

    [Fact]
    public async Task Tar_with_80001_entries_is_refused_by_the_listing_pass()
    {
        using var h = new ArchiveHarness();
        var archive = Path.Combine(h.Work, "many.tar");
        await using (var file = File.Create(archive))
        await using (var tar = new TarWriter(file, TarEntryFormat.Ustar))
        {
            for (var i = 0; i <= 80_000; i++)
            {
                await tar.WriteEntryAsync(new UstarTarEntry(TarEntryType.RegularFile, $"f{i}.txt"));
            }
        }

        var result = await h.ExtractAsync(archive);

        Assert.Equal(ArchiveErrorCode.TooManyEntries, result.Error?.Code);
        Assert.Empty(h.OutputHashes());
    }

    [Fact]
    public async Task Limits_are_configurable_and_checked_before_writing()
    {
        using var h = new ArchiveHarness();
        var archive = ArchiveBuilder.Build("zip", SampleTrees.Create(h.Work), h.Work);

        var tooMany = await h.ExtractAsync(archive, new ExtractionOptions { Limits = new ArchiveLimits { MaxEntries = 3 } });
        Assert.Equal(ArchiveErrorCode.TooManyEntries, tooMany.Error?.Code);

        var tooLarge = await h.ExtractAsync(archive, new ExtractionOptions { Limits = new ArchiveLimits { MaxZipBytes = 1000 } });
        Assert.Equal(ArchiveErrorCode.ArchiveTooLarge, tooLarge.Error?.Code);

        var sevenZip = ArchiveBuilder.Build("7z-solid", SampleTrees.Create(h.Work, "t2"), h.Work);
        var sevenLimited = await h.ExtractAsync(sevenZip, new ExtractionOptions { Limits = new ArchiveLimits { MaxSevenZipBytes = 1000 } });
        Assert.Equal(ArchiveErrorCode.ArchiveTooLarge, sevenLimited.Error?.Code);
        Assert.Empty(h.OutputHashes());

        Assert.Throws<ArgumentException>(() => new ArchiveLimits { MaxEntries = 0 }.Validate());
    }

    [Theory]
    [InlineData("zip")]
    [InlineData("tar.gz")]
    public async Task Truncated_archive_keeps_entries_before_the_damage_and_names_the_damaged_entry(string kind)
    {
        using var h = new ArchiveHarness();
        var src = Directory.CreateDirectory(Path.Combine(h.Work, "s")).FullName;
        var rng = new Random(7);
        foreach (var name in new[] { "a.bin", "b.bin", "c.bin", "d.bin" })
        {
            var bytes = new byte[1_000_000]; // large enough that read-ahead of the gzip filter stays inside c.bin
            rng.NextBytes(bytes);
            await File.WriteAllBytesAsync(Path.Combine(src, name), bytes);
        }

        var archive = Path.Combine(h.Work, "cut." + kind);
        if (kind == "zip")
        {
            Tools.Run(src, "zip", "-q", "-0", archive, "a.bin", "b.bin", "c.bin", "d.bin");
        }
        else
        {
            Tools.Run(src, "bsdtar", "-czf", archive, "a.bin", "b.bin", "c.bin", "d.bin");
        }

        using (var f = File.OpenWrite(archive))
        {
            f.SetLength(f.Length * 6 / 10); // inside c.bin
        }

        var result = await h.ExtractAsync(archive);

        Assert.Equal(ArchiveErrorCode.Corrupt, result.Error?.Code);
        Assert.Equal("c.bin", result.Error?.EntryName);
        Assert.Equal(["a.bin", "b.bin"], h.OutputHashes().Keys);
        Assert.Equal(TreeHashes.Hash(Path.Combine(src, "a.bin")), h.OutputHashes()["a.bin"]);
        Assert.Equal(TreeHashes.Hash(Path.Combine(src, "b.bin")), h.OutputHashes()["b.bin"]);
        Assert.Equal(ArchiveErrorCode.Corrupt, Assert.Single(result.Entries, e => e.PathName == "c.bin").Code);
        Assert.DoesNotContain(result.Entries, e => e.PathName == "d.bin");
    }

    [Fact]
    public async Task Names_that_are_not_utf8_are_escaped_losslessly()
    {
        using var h = new ArchiveHarness();
        var src = Directory.CreateDirectory(Path.Combine(h.Work, "s")).FullName;
        var archive = Path.Combine(h.Work, "latin1.zip");
        Tools.Run(src, "bash", "-c", $"printf 'latin' > $'caf\\xe9 100%.txt' && zip -q '{archive}' *");

        await using (var stream = File.OpenRead(archive))
        {
            var listing = await h.Extractor.ListAsync(stream);
            var entry = Assert.Single(listing.Entries);
            Assert.True(entry.NameWasEscaped);
            Assert.Equal("caf%E9 100%25.txt", entry.PathName);
        }

        var result = await h.ExtractAsync(archive);

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal("latin", await File.ReadAllTextAsync(Path.Combine(h.OutFolder(), "caf%E9 100%25.txt")));
    }
}
