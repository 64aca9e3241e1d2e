using Orleans.Media.Archives.Tests.Support;

namespace Orleans.Media.Archives.Tests;

/// <summary>Every file the engine writes hash-matches what <c>bsdtar -xf</c> extracts from the same archive.</summary>
public sealed class ExtractionMatchesBsdtarTests
{
    [Theory]
    [InlineData("zip")]
    [InlineData("7z-solid")]
    [InlineData("7z-nonsolid")]
    [InlineData("tar")]
    [InlineData("tar.gz")]
    [InlineData("tar.bz2")]
    [InlineData("tar.xz")]
    [InlineData("tar.zst")]
    public async Task Tree_with_unicode_names_links_and_empty_dirs_matches_bsdtar(string kind)
    {
        using var h = new ArchiveHarness();
        var tree = SampleTrees.Create(h.Work, links: true);
        var archive = ArchiveBuilder.Build(kind, tree, h.Work);

        var result = await h.ExtractAsync(archive);

        Assert.True(result.Succeeded, result.Error?.ToString());
        var expected = h.BsdtarHashes(archive);
        Assert.Contains("ünïcødé/日本語/ファイル.txt", expected.Keys);
        Assert.Contains("link-to-readme.txt", expected.Keys);
        Assert.Equal(expected, h.OutputHashes());

        // Empty folders are reported (no object), the folder link is reported and not written.
        Assert.Contains(result.Entries, e => e is { PathName: "empty/deeper-empty", IsFolder: true, Reason: "" });
        var dirLink = Assert.Single(result.Entries, e => e.PathName == "dir-link");
        Assert.Equal(ArchiveErrorCode.LinkNotMaterialized, dirLink.Code);
        Assert.All(result.Entries.Where(e => e.PathName != "dir-link"), e => Assert.Equal("", e.Reason));
        Assert.Equal(300_000, Assert.Single(result.Entries, e => e.PathName == "bin/random.bin").UnPackedSize);
        Assert.Empty(h.FilesOutside());
    }

    [Fact]
    public async Task Tar_hard_link_is_written_as_a_copy_of_its_target()
    {
        using var h = new ArchiveHarness();
        var tree = SampleTrees.Create(h.Work);
        Tools.Run(tree, "ln", "readme.txt", "hard.txt");
        var archive = ArchiveBuilder.Build("tar", tree, h.Work);

        var result = await h.ExtractAsync(archive);

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(h.BsdtarHashes(archive), h.OutputHashes());
        Assert.Equal(TreeHashes.Hash(Path.Combine(tree, "readme.txt")), TreeHashes.Hash(Path.Combine(h.OutFolder(), "hard.txt")));
    }
}
