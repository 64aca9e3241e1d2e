using Orleans.Media.Archives.Tests.Support;

namespace Orleans.Media.Archives.Tests;

/// <summary>ZipCrypto and WinZip AES with right, wrong and no password (libarchive); encrypted 7z (SharpCompress).</summary>
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

    [Fact]
    public async Task Wrong_aes_password_refuses_every_encrypted_entry_and_writes_nothing()
    {
        using var h = new ArchiveHarness();
        var archive = ArchiveBuilder.Build("zip-aes", SampleTrees.Create(h.Work), h.Work, Password);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = ["wrong-one"] });

        Assert.True(result.Succeeded, result.Error?.ToString());
        AssertWrongPasswordWroteNothing(h, result);
    }

    /// <summary>
    /// ZipCrypto checks a password against one byte per entry, and the archive's encryption headers are random, so a
    /// fixed wrong password passes some entry's check in about 1 run in 256 per entry. Both cases are chosen here with
    /// the real check on this archive's bytes, so each runs every time.
    /// </summary>
    [Fact]
    public async Task Wrong_zipcrypto_password_failing_every_check_byte_refuses_each_entry_and_goes_on()
    {
        using var h = new ArchiveHarness();
        var archive = ArchiveBuilder.Build("zip-zipcrypto", SampleTrees.Create(h.Work), h.Work, Password);
        var bytes = await File.ReadAllBytesAsync(archive);
        var entries = ZipCryptoCheck.EncryptedEntries(bytes);
        var wrong = Enumerable.Range(0, 100_000).Select(i => $"wrong-{i}")
            .First(p => entries.All(e => !ZipCryptoCheck.PassesHeaderCheck(bytes, e.LocalHeader, p)));

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [wrong] });

        Assert.True(result.Succeeded, result.Error?.ToString());
        AssertWrongPasswordWroteNothing(h, result);
        Assert.All(entries, e => Assert.Equal(ArchiveErrorCode.WrongPassword, Assert.Single(result.Entries, r => r.PathName == e.Name).Code));
    }

    [Theory]
    [InlineData(8)] // deflated: the garbage fails to inflate, and libarchive cannot read on
    [InlineData(0)] // stored: the garbage has the right size and fails its CRC-32
    public async Task Wrong_zipcrypto_password_passing_one_entrys_check_byte_is_still_a_wrong_password_and_writes_nothing(int method)
    {
        using var h = new ArchiveHarness();
        var source = SampleTrees.Create(h.Work);
        var archive = Path.Combine(h.Work, "impostor.zip");

        // -n .bin: random.bin stored, the rest deflated. Entries after the impostor's keep data to refuse too.
        Tools.Run(source, "zip", "-q", "-r", "-y", "-n", ".bin", "-P", Password, archive, "readme.txt", "bin/random.bin", "bin/big.txt", "emoji 👋🌎.txt");
        var bytes = await File.ReadAllBytesAsync(archive);
        var entries = ZipCryptoCheck.EncryptedEntries(bytes);
        var target = entries.Skip(1).First(e => e.Method == method && e.Size > 0); // the first is refused on its check byte, as usual
        var impostor = Enumerable.Range(0, 100_000).Select(i => $"wrong-{i}").First(p =>
            ZipCryptoCheck.PassesHeaderCheck(bytes, target.LocalHeader, p)
            && entries.Where(e => e != target).All(e => !ZipCryptoCheck.PassesHeaderCheck(bytes, e.LocalHeader, p)));

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [impostor] });

        // Documented: the same code whether the check byte caught the password or the data did; a deflated entry ends
        // the run there (libarchive's zip reader cannot go on after undecodable data), a stored one is refused alone.
        Assert.True(method == 0 ? result.Succeeded : result.Error?.Code == ArchiveErrorCode.WrongPassword, result.Error?.ToString());
        AssertWrongPasswordWroteNothing(h, result);
        var refused = Assert.Single(result.Entries, e => e.PathName == target.Name);
        Assert.Equal(ArchiveErrorCode.WrongPassword, refused.Code);
        Assert.StartsWith("Incorrect passphrase", refused.Reason, StringComparison.Ordinal);
        Assert.Empty(h.FilesOutside());
    }

    private static void AssertWrongPasswordWroteNothing(ArchiveHarness h, ExtractionResult result)
    {
        Assert.Equal(ArchiveErrorCode.WrongPassword, result.PasswordProblem);
        var files = result.Entries.Where(e => !e.IsFolder).ToList();
        Assert.NotEmpty(files);
        Assert.All(files.Where(e => e.UnPackedSize > 0), e => Assert.Equal(ArchiveErrorCode.WrongPassword, e.Code));
        Assert.DoesNotContain(h.OutputHashes().Keys, k => files.Single(f => f.PathName == k).UnPackedSize > 0);
    }

    [Fact]
    public async Task A_wrong_zipcrypto_password_that_passes_the_one_byte_check_is_still_a_wrong_password()
    {
        using var h = new ArchiveHarness();
        var source = Path.Combine(h.Work, "one");
        Directory.CreateDirectory(source);
        await File.WriteAllTextAsync(Path.Combine(source, "a.txt"), string.Concat(Enumerable.Repeat("some text to deflate ", 400)));
        var archive = ArchiveBuilder.Build("zip-zipcrypto", source, h.Work, Password);
        var bytes = await File.ReadAllBytesAsync(archive);
        Assert.True(ZipCryptoCheck.PassesHeaderCheck(bytes, Password), "the check must accept the right password");

        // About 1 wrong password in 256 passes ZipCrypto's check; take the first such one.
        var impostor = Enumerable.Range(0, 100_000).Select(i => $"wrong-{i}").First(p => ZipCryptoCheck.PassesHeaderCheck(bytes, p));

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [impostor] });

        // libarchive cannot go on after undecodable zip data (its reader turns fatal), so the run stops there,
        // with the wrong password as its reason rather than "corrupt".
        Assert.Equal(ArchiveErrorCode.WrongPassword, result.PasswordProblem);
        Assert.Equal(ArchiveErrorCode.WrongPassword, Assert.Single(result.Entries).Code);
        Assert.Empty(h.OutputHashes());
    }

    [Fact]
    public async Task A_stored_entry_decrypted_with_an_impostor_password_is_refused_and_never_written()
    {
        using var h = new ArchiveHarness();
        var source = Path.Combine(h.Work, "stored");
        Directory.CreateDirectory(source);
        await File.WriteAllBytesAsync(Path.Combine(source, "r.bin"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(100_000));
        var archive = Path.Combine(h.Work, "stored.zip");
        Tools.Run(source, "zip", "-q", "-0", "-P", Password, archive, "r.bin"); // -0: stored, no deflate to fail
        var bytes = await File.ReadAllBytesAsync(archive);
        var impostor = Enumerable.Range(0, 100_000).Select(i => $"wrong-{i}").First(p => ZipCryptoCheck.PassesHeaderCheck(bytes, p));

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [impostor] });

        // Stored data "decrypts" to garbage without a decoder error; the size check refuses it before any write.
        Assert.Equal(ArchiveErrorCode.WrongPassword, result.PasswordProblem);
        Assert.Equal(ArchiveErrorCode.WrongPassword, Assert.Single(result.Entries).Code);
        Assert.Empty(h.OutputHashes());
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

    [Theory]
    [InlineData("7z-encrypted")]
    [InlineData("7z-encrypted-headers")]
    public async Task Encrypted_7z_decrypts_with_the_password_and_matches_its_sources(string kind)
    {
        using var h = new ArchiveHarness();
        var source = SampleTrees.Create(h.Work);
        var archive = ArchiveBuilder.Build(kind, source, h.Work, Password);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = ["not-it", Password] });

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.True(result.IsEncrypted);
        Assert.Null(result.PasswordProblem);
        Assert.Equal(TreeHashes.Of(source), h.OutputHashes());
    }

    [Fact]
    public async Task Encrypted_7z_headers_without_a_password_ask_for_one_before_anything_is_listed()
    {
        using var h = new ArchiveHarness();
        var archive = ArchiveBuilder.Build("7z-encrypted-headers", SampleTrees.Create(h.Work), h.Work, Password);

        var result = await h.ExtractAsync(archive);

        Assert.Equal(ArchiveErrorCode.NoPassword, result.Error?.Code);
        Assert.Empty(result.Entries);
        Assert.Empty(h.OutputHashes());
        await using var stream = File.OpenRead(archive);
        var ex = await Assert.ThrowsAsync<ArchiveException>(() => h.Extractor.ListAsync(stream));
        Assert.Equal(ArchiveErrorCode.NoPassword, ex.Code);
    }
}
