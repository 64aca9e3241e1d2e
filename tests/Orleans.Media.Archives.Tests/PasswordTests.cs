using Orleans.Media.Archives.Tests.Support;

namespace Orleans.Media.Archives.Tests;

/// <summary>ZipCrypto and WinZip AES with right, wrong and no password; encrypted 7z is not supported by libarchive.</summary>
public sealed class PasswordTests
{
    private const string Password = "s3cret-Password";

    [Theory]
    [InlineData("zip-zipcrypto")]
    [InlineData("zip-aes")]
    public async Task Right_password_extracts_everything_matching_bsdtar(string kind)
    {
        using var h = new ArchiveHarness();
        var archive = ArchiveBuilder.Build(kind, SampleTrees.Create(h.Work), h.Work, Password);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = ["not-it", Password] });

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.True(result.IsEncrypted);
        Assert.Null(result.PasswordProblem);
        Assert.All(result.Entries, e => Assert.Equal("", e.Reason));
        var expected = h.BsdtarHashes(archive, Password);
        Assert.Contains("bin/random.bin", expected.Keys);
        Assert.Equal(expected, h.OutputHashes());
    }

    [Theory]
    [InlineData("zip-zipcrypto")]
    [InlineData("zip-aes")]
    public async Task Wrong_password_refuses_every_encrypted_entry_and_writes_nothing(string kind)
    {
        using var h = new ArchiveHarness();
        var archive = ArchiveBuilder.Build(kind, SampleTrees.Create(h.Work), h.Work, Password);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = ["wrong-one"] });

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(ArchiveErrorCode.WrongPassword, result.PasswordProblem);
        var files = result.Entries.Where(e => !e.IsFolder).ToList();
        Assert.NotEmpty(files);
        Assert.All(files.Where(e => e.UnPackedSize > 0), e => Assert.Equal(ArchiveErrorCode.WrongPassword, e.Code));
        Assert.DoesNotContain(h.OutputHashes().Keys, k => files.Single(f => f.PathName == k).UnPackedSize > 0);
    }

    [Theory]
    [InlineData("zip-zipcrypto")]
    [InlineData("zip-aes")]
    public async Task No_password_refuses_encrypted_entries_with_no_password(string kind)
    {
        using var h = new ArchiveHarness();
        var archive = ArchiveBuilder.Build(kind, SampleTrees.Create(h.Work), h.Work, Password);

        var result = await h.ExtractAsync(archive);

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(ArchiveErrorCode.NoPassword, result.PasswordProblem);
        var encrypted = Assert.Single(result.Entries, e => e.PathName == "bin/random.bin");
        Assert.Equal(ArchiveErrorCode.NoPassword, encrypted.Code);
        Assert.False(File.Exists(Path.Combine(h.OutFolder(), "bin", "random.bin")));
    }

    [Fact]
    public async Task Encrypted_7z_data_is_encryption_not_supported()
    {
        using var h = new ArchiveHarness();
        var archive = ArchiveBuilder.Build("7z-encrypted", SampleTrees.Create(h.Work), h.Work, Password);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [Password] });

        Assert.Equal(ArchiveErrorCode.EncryptionNotSupported, result.PasswordProblem);
        var withData = result.Entries.Where(e => e is { IsFolder: false, UnPackedSize: > 0 }).ToList();
        Assert.NotEmpty(withData);
        Assert.All(withData, e => Assert.Equal(ArchiveErrorCode.EncryptionNotSupported, e.Code));
        Assert.Equal(["bin/zero-length.dat"], h.OutputHashes().Keys); // 7z stores empty files without an (encrypted) stream
    }

    [Fact]
    public async Task Encrypted_7z_headers_fail_with_encryption_not_supported()
    {
        using var h = new ArchiveHarness();
        var archive = ArchiveBuilder.Build("7z-encrypted-headers", SampleTrees.Create(h.Work), h.Work, Password);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [Password] });

        Assert.Equal(ArchiveErrorCode.EncryptionNotSupported, result.Error?.Code);
        Assert.Empty(h.OutputHashes());
        await using var stream = File.OpenRead(archive);
        var ex = await Assert.ThrowsAsync<ArchiveException>(() => h.Extractor.ListAsync(stream));
        Assert.Equal(ArchiveErrorCode.EncryptionNotSupported, ex.Code);
    }
}
