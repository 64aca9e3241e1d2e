using Orleans.Media.Archives.Tests.Support;

namespace Orleans.Media.Archives.Tests;

/// <summary>Format detection by content, listing without extracting, and names.</summary>
public sealed class FormatAndListingTests
{
    [Theory]
    [InlineData("zip", ArchiveFormat.Zip)]
    [InlineData("7z-solid", ArchiveFormat.SevenZip)]
    [InlineData("tar.xz", ArchiveFormat.Tar)]
    public async Task Format_is_detected_from_content_not_the_file_name(string kind, ArchiveFormat format)
    {
        using var h = new ArchiveHarness();
        var built = ArchiveBuilder.Build(kind, SampleTrees.Create(h.Work), h.Work);
        var misnamed = Path.Combine(h.Work, "misleading.rar");
        File.Move(built, misnamed);

        var result = await h.ExtractAsync(misnamed);

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(format, result.Format);
        Assert.Equal(h.BsdtarHashes(misnamed), h.OutputHashes());
    }

    [Fact]
    public async Task Something_that_is_not_an_archive_is_unsupported_format()
    {
        using var h = new ArchiveHarness();
        var path = Path.Combine(h.Work, "notes.zip");
        await File.WriteAllTextAsync(path, string.Concat(Enumerable.Repeat("just text, not an archive\n", 100)));

        var result = await h.ExtractAsync(path);

        Assert.Equal(ArchiveErrorCode.UnsupportedFormat, result.Error?.Code);
        await using var stream = File.OpenRead(path);
        Assert.Equal(ArchiveErrorCode.UnsupportedFormat, (await Assert.ThrowsAsync<ArchiveException>(() => h.Extractor.ListAsync(stream))).Code);
    }

    [Fact]
    public async Task Zip_listing_gives_sizes_packed_sizes_kinds_and_link_targets_without_writing()
    {
        using var h = new ArchiveHarness();
        var tree = SampleTrees.Create(h.Work, links: true);
        var archive = ArchiveBuilder.Build("zip", tree, h.Work);
        await using var stream = File.OpenRead(archive);

        var listing = await h.Extractor.ListAsync(stream);

        Assert.Equal(ArchiveFormat.Zip, listing.Format);
        Assert.Equal(new FileInfo(archive).Length, listing.ArchiveSize);
        var random = Assert.Single(listing.Entries, e => e.PathName == "bin/random.bin");
        Assert.Equal(300_000, random.Size);
        Assert.InRange(random.PackedSize, 299_000, 301_000); // random bytes do not compress
        var text = Assert.Single(listing.Entries, e => e.PathName == "bin/big.txt");
        Assert.True(text.PackedSize < text.Size / 3);
        Assert.Equal(ArchiveEntryKind.SymbolicLink, Assert.Single(listing.Entries, e => e.PathName == "link-to-readme.txt").Kind);
        Assert.Equal("../readme.txt", Assert.Single(listing.Entries, e => e.PathName == "bin/up-link.txt").LinkTarget);
        Assert.Contains(listing.Entries, e => e is { PathName: "empty/deeper-empty", IsFolder: true });
        Assert.Contains(listing.Entries, e => e.PathName == "ünïcødé/日本語/ファイル.txt");
        Assert.All(listing.Entries, e => Assert.NotNull(e.ModifiedTime));
        Assert.Equal(Enumerable.Range(0, listing.Entries.Count), listing.Entries.Select(e => e.Index));
        Assert.Empty(h.OutputHashes());
    }

    [Theory]
    [InlineData("./a/b.txt", "a/b.txt")]
    [InlineData("a\\b\\c.txt", "a/b/c.txt")]
    [InlineData("a/./b//c.txt", "a/b/c.txt")]
    [InlineData("a/../b.txt", "b.txt")]
    [InlineData("dir/", "dir")]
    public void Safe_names_normalize(string stored, string expected) =>
        Assert.Equal(expected, EntryPaths.TryResolve(stored, out _));

    [Theory]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("\\\\server\\share\\x")]
    [InlineData("C:\\x")]
    [InlineData("d:x")]
    [InlineData("a\0b")]
    [InlineData("./")]
    public void Unsafe_names_are_refused_with_a_reason(string stored)
    {
        Assert.Null(EntryPaths.TryResolve(stored, out var reason));
        Assert.NotEmpty(reason);
    }
}
