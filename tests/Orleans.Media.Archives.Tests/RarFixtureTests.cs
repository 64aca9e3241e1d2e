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
    [InlineData("rar4_encrypted.rar")]
    [InlineData("rar5_encrypted.rar")]
    public async Task Encrypted_rar_entries_decrypt_with_their_password_and_another_passwords_entry_is_refused(string fixture)
    {
        using var h = new ArchiveHarness();
        var archive = Fixtures.Rar(fixture);

        // a.txt and c.txt are plain; b.txt is encrypted with "password", d.txt with some other password.
        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = ["password"] });

        Assert.True(result.IsEncrypted);
        Assert.Equal(ArchiveErrorCode.WrongPassword, result.PasswordProblem);
        Assert.Equal(["a.txt", "b.txt", "c.txt"], h.OutputHashes().Keys);
        var bsdtar = h.BsdtarHashes(archive);
        Assert.Equal(bsdtar["a.txt"], h.OutputHashes()["a.txt"]);
        Assert.Equal(18, Assert.Single(result.Entries, e => e.PathName == "b.txt").UnPackedSize);
        Assert.Equal("", Assert.Single(result.Entries, e => e.PathName == "b.txt").Reason);
        Assert.False(File.Exists(Path.Combine(h.OutFolder(), "d.txt")));
        if (fixture.StartsWith("rar5", StringComparison.Ordinal))
        {
            // RAR 5 checks d.txt's password in its header: the reader cannot go on past it, so the run ends there.
            Assert.Equal(ArchiveErrorCode.WrongPassword, result.Error?.Code);
        }
        else
        {
            // RAR 4 gives each file its own salt: one file decrypting proves nothing about the next.
            Assert.True(result.Succeeded, result.Error?.ToString());
            Assert.Equal(ArchiveErrorCode.WrongPassword, Assert.Single(result.Entries, e => e.PathName == "d.txt").Code);
        }
    }

    [Theory]
    [InlineData("rar_encryption_data.rar", new[] { "foo.txt", "bar.txt" }, new string[0])]
    [InlineData("rar4_encrypted.rar", new[] { "b.txt", "d.txt" }, new[] { "a.txt", "c.txt" })]
    [InlineData("rar5_encrypted.rar", new[] { "b.txt", "d.txt" }, new[] { "a.txt", "c.txt" })]
    public async Task Encrypted_rar_entries_without_a_password_are_refused_as_password_required_and_the_rest_extracted(string fixture, string[] encrypted, string[] plain)
    {
        using var h = new ArchiveHarness();
        var archive = Fixtures.Rar(fixture);

        var result = await h.ExtractAsync(archive);

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.True(result.IsEncrypted);
        Assert.Equal(ArchiveErrorCode.NoPassword, result.PasswordProblem);
        foreach (var name in encrypted)
        {
            Assert.Equal(ArchiveErrorCode.NoPassword, Assert.Single(result.Entries, e => e.PathName == name).Code);
            Assert.False(File.Exists(Path.Combine(h.OutFolder(), name)));
        }

        Assert.Equal(plain.Order(), h.OutputHashes().Keys);
        var bsdtar = h.BsdtarHashes(archive);
        foreach (var name in plain.Where(bsdtar.ContainsKey))
        {
            Assert.Equal(bsdtar[name], h.OutputHashes()[name]);
        }
    }

    [Fact]
    public async Task Rar_data_encrypted_with_another_password_is_password_incorrect()
    {
        using var h = new ArchiveHarness();

        var result = await h.ExtractAsync(Fixtures.Rar("rar_encryption_data.rar"), new ExtractionOptions { Passphrases = ["password"] });

        Assert.Equal(ArchiveErrorCode.WrongPassword, result.PasswordProblem);
        Assert.All(result.Entries, e => Assert.Equal(ArchiveErrorCode.WrongPassword, e.Code));
        Assert.Empty(h.OutputHashes());
    }

    [Theory]
    [InlineData("rar_encryption_header.rar")]
    [InlineData("rar5_encrypted_filenames.rar")]
    public async Task Rar_with_encrypted_headers_and_no_password_asks_for_one_before_listing(string fixture)
    {
        using var h = new ArchiveHarness();
        await using (var stream = File.OpenRead(Fixtures.Rar(fixture)))
        {
            var ex = await Assert.ThrowsAsync<ArchiveException>(() => h.Extractor.ListAsync(stream));
            Assert.Equal(ArchiveErrorCode.NoPassword, ex.Code);
        }

        var result = await h.ExtractAsync(Fixtures.Rar(fixture));
        Assert.Equal(ArchiveErrorCode.NoPassword, result.Error?.Code);
        Assert.Empty(result.Entries);
        Assert.Empty(h.OutputHashes());
    }

    [Fact]
    public async Task Rar5_with_encrypted_headers_lists_and_extracts_with_its_password()
    {
        using var h = new ArchiveHarness();
        var archive = Fixtures.Rar("rar5_encrypted_filenames.rar");

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = ["password"] });

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(["a.txt", "b.txt", "c.txt", "d.txt"], h.OutputHashes().Keys);
        Assert.Equal(h.OutputHashes()["a.txt"], TreeHashes.Of(Path.Combine(h.BucketsRoot, "out", "x"))["a.txt"]);
        var wrong = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = ["wrong"] }, "y");
        Assert.Equal(ArchiveErrorCode.WrongPassword, wrong.Error?.Code);
        Assert.Empty(h.OutputHashes("y"));
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
