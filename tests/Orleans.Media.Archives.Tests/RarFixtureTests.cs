using Orleans.Media.Archives.Tests.Support;

namespace Orleans.Media.Archives.Tests;

/// <summary>RAR 4 and RAR 5 (tests/data/rar): plain, solid, unicode, links; encrypted and damaged ones.</summary>
public sealed class RarFixtureTests
{
    [Theory]
    [InlineData("rar.rar", ArchiveFormat.Rar)]
    [InlineData("rar_compress_normal.rar", ArchiveFormat.Rar)]
    [InlineData("rar_binary_data.rar", ArchiveFormat.Rar)]
    [InlineData("rar_unicode.rar", ArchiveFormat.Rar)]
    [InlineData("rar_windows.rar", ArchiveFormat.Rar)]
    [InlineData("rar5_stored.rar", ArchiveFormat.Rar5)]
    [InlineData("rar5_compressed.rar", ArchiveFormat.Rar5)]
    [InlineData("rar5_multiple_files.rar", ArchiveFormat.Rar5)]
    [InlineData("rar5_multiple_files_solid.rar", ArchiveFormat.Rar5)]
    [InlineData("rar5_solid.rar", ArchiveFormat.Rar5)]
    [InlineData("rar5_stored_manyfiles.rar", ArchiveFormat.Rar5)]
    [InlineData("rar5_unicode.rar", ArchiveFormat.Rar5)]
    [InlineData("rar5_symlink.rar", ArchiveFormat.Rar5)]
    [InlineData("rar5_hardlink.rar", ArchiveFormat.Rar5)]
    public async Task Extraction_matches_bsdtar(string fixture, ArchiveFormat format)
    {
        using var h = new ArchiveHarness();
        var archive = Fixtures.Rar(fixture);

        var result = await h.ExtractAsync(archive);

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(format, result.Format);
        var expected = h.BsdtarHashes(archive);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, h.OutputHashes());
        Assert.All(result.Entries.Where(e => e.Code != ArchiveErrorCode.LinkNotMaterialized), e => Assert.Equal("", e.Reason));
    }

    [Fact]
    public async Task Listing_reports_unicode_names_links_and_folders()
    {
        using var h = new ArchiveHarness();
        await using var stream = File.OpenRead(Fixtures.Rar("rar_unicode.rar"));

        var listing = await h.Extractor.ListAsync(stream);

        Assert.Equal(ArchiveFormat.Rar, listing.Format);
        Assert.Contains(listing.Entries, e => e is { PathName: "表だよ/新しいフォルダ", IsFolder: true });
        var link = Assert.Single(listing.Entries, e => e.Kind == ArchiveEntryKind.SymbolicLink);
        Assert.Equal("表だよ/ファイル", link.PathName);
        Assert.Equal("漢字長いファイル名long-filename-in-漢字.txt", link.LinkTarget);
        Assert.Equal(5, Assert.Single(listing.Entries, e => e.PathName == "表だよ/漢字長いファイル名long-filename-in-漢字.txt").Size);
        Assert.Empty(h.OutputHashes()); // listing writes nothing
    }

    [Theory]
    [InlineData("rar_encryption_data.rar", new[] { "foo.txt", "bar.txt" }, new string[0])]
    [InlineData("rar4_encrypted.rar", new[] { "b.txt", "d.txt" }, new[] { "a.txt", "c.txt" })]
    [InlineData("rar5_encrypted.rar", new[] { "b.txt", "d.txt" }, new[] { "a.txt", "c.txt" })]
    public async Task Encrypted_rar_entries_are_refused_as_encryption_not_supported_and_the_rest_extracted(string fixture, string[] encrypted, string[] plain)
    {
        using var h = new ArchiveHarness();
        var archive = Fixtures.Rar(fixture);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = ["password"] });

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.True(result.IsEncrypted);
        Assert.Equal(ArchiveErrorCode.EncryptionNotSupported, result.PasswordProblem);
        foreach (var name in encrypted)
        {
            Assert.Equal(ArchiveErrorCode.EncryptionNotSupported, Assert.Single(result.Entries, e => e.PathName == name).Code);
            Assert.False(File.Exists(Path.Combine(h.OutFolder(), name)));
        }

        Assert.Equal(plain.Order(), h.OutputHashes().Keys);
        var bsdtar = h.BsdtarHashes(archive);
        foreach (var name in plain.Where(bsdtar.ContainsKey))
        {
            Assert.Equal(bsdtar[name], h.OutputHashes()[name]);
        }
    }

    [Theory]
    [InlineData("rar_encryption_header.rar")]
    [InlineData("rar5_encrypted_filenames.rar")]
    public async Task Rar_with_encrypted_headers_fails_before_listing_with_encryption_not_supported(string fixture)
    {
        using var h = new ArchiveHarness();
        await using (var stream = File.OpenRead(Fixtures.Rar(fixture)))
        {
            var ex = await Assert.ThrowsAsync<ArchiveException>(() => h.Extractor.ListAsync(stream));
            Assert.Equal(ArchiveErrorCode.EncryptionNotSupported, ex.Code);
        }

        var result = await h.ExtractAsync(Fixtures.Rar(fixture));
        Assert.Equal(ArchiveErrorCode.EncryptionNotSupported, result.Error?.Code);
        Assert.Empty(result.Entries);
        Assert.Empty(h.OutputHashes());
    }

    [Fact]
    public async Task Truncated_rar4_names_the_damaged_entry()
    {
        using var h = new ArchiveHarness();

        var result = await h.ExtractAsync(Fixtures.Rar("rar_invalid1.rar"));

        Assert.Equal(ArchiveErrorCode.Corrupt, result.Error?.Code);
        Assert.Equal("test", result.Error?.EntryName);
        Assert.Equal(ArchiveErrorCode.Corrupt, Assert.Single(result.Entries).Code);
        Assert.Empty(h.OutputHashes()); // the damaged entry is never left half-written
    }

    [Fact]
    public async Task Corrupt_rar5_fails_with_corrupt()
    {
        using var h = new ArchiveHarness();

        var result = await h.ExtractAsync(Fixtures.Rar("rar5_truncated_huff.rar"));

        Assert.Equal(ArchiveErrorCode.Corrupt, result.Error?.Code);
        Assert.Empty(h.OutputHashes());
    }
}
