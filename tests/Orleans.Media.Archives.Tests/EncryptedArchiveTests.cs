using Orleans.Media.Archives.Tests.Support;

namespace Orleans.Media.Archives.Tests;

/// <summary>
/// Encrypted 7z and RAR through SharpCompress: the right password extracts hash-equal to the sources, a missing or
/// wrong one ends with its own code and nothing encrypted is written, and the engine's other promises hold there too.
/// </summary>
public sealed class EncryptedArchiveTests
{
    private const string Password = "s3cret-Pässword";

    // SHA-256 of the three files every rar-encrypted fixture holds. Each RAR 4 file's CRC-32 in its header is checked
    // on extraction, and all five archives (two formats, two encryption layouts) must agree.
    private static readonly SortedDictionary<string, string> RarFiles = new(StringComparer.Ordinal)
    {
        ["exe/test.exe"] = "8557928804F57ECC340B3BB38B095A3607474EC8DEB0076F316FCFE02B562106",
        ["jpg/test.jpg"] = "B251C7501FB0F55DD4A92FEABE0A6F5733BC40A02679498155FAE9B30138FC53",
        ["тест.txt"] = "4D581D93D369F6E1C9B295FF38D82DABD577F927DFAF0C35818C015C85E322D9",
    };

    public static TheoryData<string, ArchiveFormat, bool> RarFixtures => new()
    {
        { "Rar.Encrypted.rar", ArchiveFormat.Rar, true },
        { "Rar.encrypted_filesAndHeader.rar", ArchiveFormat.Rar, true },
        { "Rar.encrypted_filesOnly.rar", ArchiveFormat.Rar, false },
        { "Rar5.encrypted_filesAndHeader.rar", ArchiveFormat.Rar5, true },
        { "Rar5.encrypted_filesOnly.rar", ArchiveFormat.Rar5, false },
    };

    public static TheoryData<string> RarFixtureNames => new(RarFixtures.Select(row => (string)row[0]));

    /// <summary>7zz switches: -mhe (headers encrypted), solid or not, LZMA2 or stored.</summary>
    public static TheoryData<string> SevenZipKinds => new()
    {
        "-mhe=on -ms=on -m0=lzma2",
        "-mhe=off -ms=on -m0=lzma2",
        "-mhe=on -ms=off -m0=lzma2",
        "-mhe=off -ms=off -m0=lzma2",
        "-mhe=on -m0=copy",
        "-mhe=off -m0=copy",
    };

    [Theory]
    [MemberData(nameof(RarFixtures))]
    public async Task Encrypted_rar_extracts_hash_equal_with_the_right_password(string fixture, ArchiveFormat format, bool headersEncrypted)
    {
        using var h = new ArchiveHarness();

        var result = await h.ExtractAsync(Fixtures.RarEncrypted(fixture), new ExtractionOptions { Passphrases = ["test"] });

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(format, result.Format);
        Assert.True(result.IsEncrypted);
        Assert.Null(result.PasswordProblem);
        Assert.Equal(RarFiles, h.OutputHashes());
        Assert.All(result.Entries, e => Assert.Equal("", e.Reason));
        Assert.Contains(result.Entries, e => e is { PathName: "jpg", IsFolder: true });
        var jpg = Assert.Single(result.Entries, e => e.PathName == "jpg/test.jpg");
        Assert.Equal(40372, jpg.UnPackedSize);
        Assert.InRange(jpg.PackedSize, 30_000, 40_372); // the header's packed size, not a stand-in
        Assert.NotNull(jpg.FileAccessTime);
        Assert.Empty(h.FilesOutside());

        // Listing with the password names the same entries, also when the names themselves are encrypted.
        await using var stream = File.OpenRead(Fixtures.RarEncrypted(fixture));
        var listing = await h.Extractor.ListAsync(stream, ["test"]);
        Assert.Equal(result.Entries.Select(e => e.PathName).Order(), listing.Entries.Select(e => e.PathName).Order());
        Assert.All(listing.Entries.Where(e => e.Kind == ArchiveEntryKind.File), e => Assert.True(e.IsEncrypted));
        Assert.Equal(headersEncrypted, listing.Entries.All(e => e.IsEncrypted));
    }

    [Theory]
    [MemberData(nameof(RarFixtureNames))]
    public async Task Encrypted_rar_is_opened_twice_to_list_and_extract(string fixture)
    {
        using var h = new ArchiveHarness();

        var result = await h.ExtractAsync(Fixtures.RarEncrypted(fixture), new ExtractionOptions { Passphrases = ["test"] });

        // Every open of encrypted headers derives the key again (RAR 4: ~5 MB and tens of ms per header): one listing
        // (entries and packed sizes) and one decoding pass; encrypted headers are decoded from the listing's session,
        // after an open without a password that finds them encrypted (it stops at the first header, before any key).
        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(ArchiveDecoder.SharpCompress, result.Decoder);
        Assert.Equal(RarFiles, h.OutputHashes());
        Assert.Equal(2, result.ManagedOpens);
    }

    [Theory]
    [MemberData(nameof(RarFixtureNames))]
    public async Task Resuming_an_encrypted_rar_or_selecting_from_it_writes_only_those_entries(string fixture)
    {
        using var h = new ArchiveHarness();
        var archive = Fixtures.RarEncrypted(fixture);
        var full = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = ["test"] }, "full");
        Assert.True(full.Succeeded, full.Error?.ToString());
        var firstFile = full.Entries.First(e => !e.IsFolder);

        // A run that got through the first file's index, then died.
        var resumed = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = ["test"], ResumeFrom = new ExtractionCheckpoint(firstFile.Index + 1, []) }, "resumed");

        Assert.True(resumed.Succeeded, resumed.Error?.ToString());
        Assert.Equal(full.Entries.Select(e => (e.Index, e.PathName)), resumed.Entries.Select(e => (e.Index, e.PathName)));
        var expected = new SortedDictionary<string, string>(RarFiles, StringComparer.Ordinal);
        expected.Remove(firstFile.PathName);
        Assert.Equal(expected, h.OutputHashes("resumed"));
        Assert.Equal(full.Checkpoint.CompletedPrefix, resumed.Checkpoint.CompletedPrefix);

        var selected = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = ["test"], SelectedPaths = ["jpg"] }, "selected");

        Assert.True(selected.Succeeded, selected.Error?.ToString());
        Assert.Equal(new SortedDictionary<string, string>(StringComparer.Ordinal) { ["jpg/test.jpg"] = RarFiles["jpg/test.jpg"] }, h.OutputHashes("selected"));
    }

    [Theory]
    [InlineData("Rar.encrypted_filesAndHeader.rar")]
    [InlineData("Rar5.encrypted_filesAndHeader.rar")]
    public async Task Damage_inside_an_encrypted_header_rar_with_the_right_password_is_corrupt_and_keeps_the_entries_before_it(string fixture)
    {
        using var h = new ArchiveHarness();
        var damaged = await File.ReadAllBytesAsync(Fixtures.RarEncrypted(fixture));
        damaged[damaged.Length / 2] ^= 0x55; // inside jpg/test.jpg's data, the second file (after exe/test.exe)
        var archive = Path.Combine(h.Work, fixture);
        await File.WriteAllBytesAsync(archive, damaged);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = ["test"] });

        // The encrypted headers opened with this password, so the failure is damage, not a wrong password.
        Assert.Equal(ArchiveErrorCode.Corrupt, result.Error?.Code);
        Assert.Equal("jpg/test.jpg", result.Error?.EntryName);
        Assert.Equal(ArchiveErrorCode.Corrupt, Assert.Single(result.Entries, e => e.PathName == "jpg/test.jpg").Code);
        Assert.Equal(new SortedDictionary<string, string>(StringComparer.Ordinal) { ["exe/test.exe"] = RarFiles["exe/test.exe"] }, h.OutputHashes());
    }

    [Theory]
    [MemberData(nameof(RarFixtures))]
    public async Task Encrypted_rar_without_a_password_is_password_required_and_writes_nothing(string fixture, ArchiveFormat format, bool headersEncrypted)
    {
        using var h = new ArchiveHarness();

        var result = await h.ExtractAsync(Fixtures.RarEncrypted(fixture));

        Assert.Equal(ArchiveErrorCode.NoPassword, result.PasswordProblem);
        Assert.True(result.IsEncrypted);
        if (headersEncrypted)
        {
            Assert.Equal(ArchiveErrorCode.NoPassword, result.Error?.Code);
            Assert.StartsWith("Passphrase required", result.Error!.Message, StringComparison.Ordinal);
            Assert.Empty(result.Entries);
        }
        else
        {
            Assert.True(result.Succeeded, result.Error?.ToString());
            Assert.Equal(format, result.Format);
            Assert.Equal(RarFiles.Keys, result.Entries.Where(e => !e.IsFolder).Select(e => e.PathName).Order(StringComparer.Ordinal));
            Assert.All(result.Entries.Where(e => !e.IsFolder), e =>
            {
                Assert.Equal(ArchiveErrorCode.NoPassword, e.Code);
                Assert.Null(e.Uri);
            });
        }

        Assert.Empty(h.OutputHashes());
    }

    [Theory]
    [MemberData(nameof(RarFixtures))]
    public async Task Encrypted_rar_with_a_wrong_password_is_password_incorrect_and_writes_nothing(string fixture, ArchiveFormat format, bool headersEncrypted)
    {
        using var h = new ArchiveHarness();

        var result = await h.ExtractAsync(Fixtures.RarEncrypted(fixture), new ExtractionOptions { Passphrases = ["wrong"] });

        Assert.Equal(ArchiveErrorCode.WrongPassword, result.PasswordProblem);
        if (headersEncrypted)
        {
            Assert.Equal(ArchiveErrorCode.WrongPassword, result.Error?.Code);
            Assert.Empty(result.Entries);
        }
        else if (format == ArchiveFormat.Rar5)
        {
            // RAR 5 checks the password against the file header's check value before any data.
            Assert.Equal(ArchiveErrorCode.WrongPassword, result.Error?.Code);
            Assert.Equal("exe/test.exe", result.Error?.EntryName ?? result.Entries.FirstOrDefault()?.PathName ?? "exe/test.exe");
        }
        else
        {
            // RAR 4 stored data "decrypts" to garbage of the right size: its CRC-32 refuses it before the object is
            // completed. Each file is refused on its own and reading goes on.
            Assert.True(result.Succeeded, result.Error?.ToString());
            var files = result.Entries.Where(e => !e.IsFolder).ToList();
            Assert.Equal(RarFiles.Keys, files.Select(e => e.PathName).Order(StringComparer.Ordinal));
            Assert.All(files, e => Assert.Equal(ArchiveErrorCode.WrongPassword, e.Code));
            Assert.Contains(files, e => e.Reason.Contains("CRC-32", StringComparison.Ordinal));
        }

        Assert.Empty(h.OutputHashes());
    }

    [Theory]
    [MemberData(nameof(RarFixtureNames))]
    public async Task The_right_password_among_wrong_ones_is_found(string fixture)
    {
        using var h = new ArchiveHarness();

        var result = await h.ExtractAsync(Fixtures.RarEncrypted(fixture), new ExtractionOptions { Passphrases = ["wrong", "also-wrong", "test"] });

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(RarFiles, h.OutputHashes());
    }

    [Theory]
    [MemberData(nameof(SevenZipKinds))]
    public async Task Encrypted_7z_extracts_hash_equal_to_its_sources(string switches)
    {
        using var h = new ArchiveHarness();
        var source = SampleTrees.Create(h.Work);
        var archive = SevenZip(h, source, switches);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [Password] });

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(ArchiveFormat.SevenZip, result.Format);
        Assert.True(result.IsEncrypted);
        Assert.Equal(TreeHashes.Of(source), h.OutputHashes());
        Assert.All(result.Entries, e => Assert.Equal("", e.Reason));
        Assert.Contains(result.Entries, e => e is { PathName: "empty/deeper-empty", IsFolder: true });
        var big = Assert.Single(result.Entries, e => e.PathName == "bin/big.txt");
        Assert.Equal(new FileInfo(Path.Combine(source, "bin", "big.txt")).Length, big.UnPackedSize);
        Assert.Equal(
            DateTimeOffset.FromUnixTimeSeconds(new DateTimeOffset(File.GetLastWriteTimeUtc(Path.Combine(source, "bin", "big.txt"))).ToUnixTimeSeconds()),
            big.FileAccessTime);
        Assert.Empty(h.FilesOutside());
    }

    [Theory]
    [InlineData("-mhe=on -ms=on")]
    [InlineData("-mhe=off -ms=on")]
    [InlineData("-mhe=off -ms=off")]
    [InlineData("-mhe=off -m0=copy")]
    public async Task Encrypted_7z_without_a_password_is_password_required_and_writes_nothing_encrypted(string switches)
    {
        using var h = new ArchiveHarness();
        var archive = SevenZip(h, SampleTrees.Create(h.Work), switches);

        var result = await h.ExtractAsync(archive);

        Assert.Equal(ArchiveErrorCode.NoPassword, result.PasswordProblem);
        Assert.True(result.IsEncrypted);
        if (switches.Contains("-mhe=on", StringComparison.Ordinal))
        {
            Assert.Equal(ArchiveErrorCode.NoPassword, result.Error?.Code);
        }
        else
        {
            Assert.All(result.Entries.Where(e => e is { IsFolder: false, UnPackedSize: > 0 }), e => Assert.Equal(ArchiveErrorCode.NoPassword, e.Code));
        }

        // 7z stores an empty file without a (encrypted) stream: it is the only thing that may be written.
        Assert.DoesNotContain(h.OutputHashes().Keys, k => k != "bin/zero-length.dat");
    }

    [Theory]
    [InlineData("-mhe=on -ms=on")]
    [InlineData("-mhe=off -ms=on")]
    [InlineData("-mhe=off -ms=off")]
    [InlineData("-mhe=off -m0=copy")]
    public async Task Encrypted_7z_with_a_wrong_password_is_password_incorrect_and_writes_nothing_encrypted(string switches)
    {
        using var h = new ArchiveHarness();
        var archive = SevenZip(h, SampleTrees.Create(h.Work), switches);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = ["wrong"] });

        Assert.Equal(ArchiveErrorCode.WrongPassword, result.PasswordProblem);

        // 7z: the first entry that does not decrypt ends the run (a solid block cannot be decoded past it).
        Assert.Equal(ArchiveErrorCode.WrongPassword, result.Error?.Code);
        Assert.StartsWith("Incorrect password", result.Error!.Message, StringComparison.Ordinal);

        // Stored (copy) data decrypts to garbage without a decoder error: the CRC-32 at its end refuses it before the
        // object is completed, so not even a partial object is left.
        Assert.DoesNotContain(h.OutputHashes().Keys, k => k != "bin/zero-length.dat");
        Assert.Empty(Directory.Exists(h.OutFolder()) ? Directory.EnumerateFiles(h.OutFolder(), "*", SearchOption.AllDirectories).Where(f => new FileInfo(f).Length > 0) : []);
    }

    [Fact]
    public async Task Encrypted_7z_lists_with_the_password_and_asks_for_one_without()
    {
        using var h = new ArchiveHarness();
        var archive = SevenZip(h, SampleTrees.Create(h.Work), "-mhe=on");

        await using var stream = File.OpenRead(archive);
        var ex = await Assert.ThrowsAsync<ArchiveException>(() => h.Extractor.ListAsync(stream));
        Assert.Equal(ArchiveErrorCode.NoPassword, ex.Code);
        var listing = await h.Extractor.ListAsync(stream, [Password]);
        Assert.Equal(ArchiveFormat.SevenZip, listing.Format);
        Assert.Contains(listing.Entries, e => e is { PathName: "bin/random.bin", Size: 300_000, IsEncrypted: true });
    }

    [Fact]
    public async Task Resuming_an_encrypted_7z_from_a_checkpoint_writes_only_what_was_not_done()
    {
        using var h = new ArchiveHarness();
        var source = SampleTrees.Create(h.Work);
        var archive = SevenZip(h, source, "-mhe=on -ms=on");
        var full = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [Password] }, "full");
        Assert.True(full.Succeeded, full.Error?.ToString());
        var firstFile = full.Entries.First(e => e is { IsFolder: false, UnPackedSize: > 0 });

        // A run that got through the first file's index, then died.
        var resumed = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [Password], ResumeFrom = new ExtractionCheckpoint(firstFile.Index + 1, []) });

        Assert.True(resumed.Succeeded, resumed.Error?.ToString());
        Assert.Equal(full.Entries.Select(e => (e.Index, e.PathName)), resumed.Entries.Select(e => (e.Index, e.PathName)));
        var expected = TreeHashes.Of(source);
        expected.Remove(firstFile.PathName);
        expected.Remove("bin/zero-length.dat"); // before the resume point too (7z lists empty files first)
        Assert.Equal(expected.Keys.Where(k => full.Entries.Single(e => e.PathName == k).Index > firstFile.Index), h.OutputHashes().Keys);
        Assert.Equal(full.Checkpoint.CompletedPrefix, resumed.Checkpoint.CompletedPrefix);
        Assert.Equal(full.Entries.Count, resumed.Checkpoint.CompletedPrefix);
    }

    [Fact]
    public async Task Limits_hold_on_the_sharpcompress_path()
    {
        using var h = new ArchiveHarness();
        var archive = SevenZip(h, SampleTrees.Create(h.Work), "-mhe=on");

        var tooMany = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [Password], Limits = new ArchiveLimits { MaxEntries = 3 } });
        Assert.Equal(ArchiveErrorCode.TooManyEntries, tooMany.Error?.Code);
        Assert.Empty(h.OutputHashes());

        var tooBig = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [Password], Limits = new ArchiveLimits { MaxTotalOutputBytes = 100_000 } });
        Assert.Equal(ArchiveErrorCode.OutputLimitExceeded, tooBig.Error?.Code);
        Assert.Empty(h.OutputHashes());
    }

    [Fact]
    public async Task Damage_inside_an_encrypted_7z_with_the_right_password_keeps_the_entries_before_it()
    {
        using var h = new ArchiveHarness();
        var source = Path.Combine(h.Work, "files");
        Directory.CreateDirectory(source);
        var rng = new Random(7);
        for (var i = 0; i < 4; i++)
        {
            var bytes = new byte[200_000];
            rng.NextBytes(bytes);
            await File.WriteAllBytesAsync(Path.Combine(source, $"f{i}.bin"), bytes);
        }

        // Stored and not solid: each file is its own encrypted stream, in name order.
        var archive = SevenZip(h, source, "-mhe=on -ms=off -m0=copy");
        var damaged = await File.ReadAllBytesAsync(archive);
        var third = 32 + (2 * 200_000) + 100_000;
        damaged[third] ^= 0xFF;
        await File.WriteAllBytesAsync(archive, damaged);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [Password] });

        // The encrypted headers opened with this password, so the failure is damage, not a wrong password.
        Assert.Equal(ArchiveErrorCode.Corrupt, result.Error?.Code);
        Assert.Equal("f2.bin", result.Error?.EntryName);
        Assert.Equal(["f0.bin", "f1.bin"], h.OutputHashes().Keys);
        Assert.Equal(TreeHashes.Hash(Path.Combine(source, "f1.bin")), h.OutputHashes()["f1.bin"]);
        Assert.Equal(ArchiveErrorCode.Corrupt, Assert.Single(result.Entries, e => e.PathName == "f2.bin").Code);
        Assert.DoesNotContain(result.Entries, e => e.PathName == "f3.bin" && e.Succeeded);
    }

    [Fact]
    public async Task A_zip_encryption_no_decoder_opens_is_encryption_not_supported()
    {
        using var h = new ArchiveHarness();
        var archive = Path.Combine(h.Work, "strong.zip");

        // PKWARE strong encryption (general purpose bits 0 and 6): the data starts with a decryption header (IV, then
        // version 3, AES-256), which libarchive parses and then refuses. No passphrase helps.
        using (var body = new MemoryStream())
        using (var w = new BinaryWriter(body))
        {
            w.Write((ushort)16);
            w.Write(new byte[16]);
            w.Write(100u);
            w.Write((ushort)3);
            w.Write((ushort)0x6610);
            w.Write((ushort)256);
            w.Write((ushort)1);
            w.Write(new byte[160]);
            w.Flush();
            using var zip = System.IO.Compression.ZipFile.Open(archive, System.IO.Compression.ZipArchiveMode.Create);
            await using var s = zip.CreateEntry("a.txt", System.IO.Compression.CompressionLevel.NoCompression).Open();
            await s.WriteAsync(body.ToArray());
        }

        var bytes = await File.ReadAllBytesAsync(archive);
        bytes[bytes.AsSpan().IndexOf("PK\u0003\u0004"u8) + 6] |= 0x41;
        bytes[bytes.AsSpan().IndexOf("PK\u0001\u0002"u8) + 8] |= 0x41;
        await File.WriteAllBytesAsync(archive, bytes);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [Password] });

        Assert.Equal(ArchiveErrorCode.EncryptionNotSupported, result.PasswordProblem);
        Assert.Contains("encryption", Assert.Single(result.Entries).Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(h.OutputHashes());
    }

    internal static string SevenZip(ArchiveHarness h, string source, string switches, string password = Password)
    {
        var archive = Path.Combine(h.Work, $"enc-{Guid.NewGuid():N}.7z");
        Tools.Run(source, "7zz", ["a", "-bd", "-y", "-p" + password, .. switches.Split(' '), archive, "."]);
        return archive;
    }
}
