using Orleans.Media.Archives.SevenZip;
using Orleans.Media.Archives.Tests.Support;

namespace Orleans.Media.Archives.Tests;

/// <summary>
/// The engine's own 7z reader, its data decoded by liblzma (.NET AES) or by a 7zz child (the default for a local
/// archive): which archives take it, that what it writes equals `7zz x` of the same archive on both decoders, and that
/// everything else still opens through SharpCompress (encrypted) or libarchive.
/// </summary>
public sealed class SevenZipNativeTests
{
    private const string Password = "n4tive-Pässword";

    /// <summary>7zz switches whose folders the native reader decodes.</summary>
    public static TheoryData<string> NativeKinds => new()
    {
        "-mhe=on -ms=on -m0=lzma2",
        "-mhe=off -ms=on -m0=lzma2",
        "-mhe=on -ms=off -m0=lzma2",
        "-mhe=off -ms=off -m0=lzma2",
        "-mhe=on -ms=on -m0=lzma",
        "-mhe=off -ms=off -m0=lzma",
        "-mhe=on -ms=off -m0=copy",
        "-mhe=on -ms=on -m0=lzma2 -mf=BCJ",
        "-mhe=off -ms=on -m0=lzma2 -mf=ARM64",
        "-mhe=on -ms=on -m0=lzma2 -mf=Delta:4",
        "-mhe=on -ms=on -m0=lzma2 -mx=9",
    };

    /// <summary>Folders the native reader leaves to SharpCompress: PPMd, BCJ2 (four streams), a filter before LZMA1.</summary>
    public static TheoryData<string> FallbackKinds => new()
    {
        "-mhe=on -m0=PPMd",
        "-mhe=on -ms=on -mf=BCJ2",
        "-mhe=off -ms=on -m0=lzma -mf=BCJ",
    };

    /// <summary>Both data decoders of the native reader: liblzma in process, or the 7zz child.</summary>
    public static TheoryData<bool> Decoders => new() { false, true };

    public static TheoryData<string, bool> NativeKindsOnBothDecoders => OnBothDecoders(NativeKinds);

    public static TheoryData<string, bool> PlainNativeKindsOnBothDecoders => OnBothDecoders(PlainNativeKinds);

    [Theory]
    [MemberData(nameof(NativeKindsOnBothDecoders))]
    public async Task Encrypted_7z_decodes_natively_and_equals_7zz_output(string switches, bool tool)
    {
        using var h = new ArchiveHarness();
        var source = SampleTrees.Create(h.Work);
        var archive = EncryptedArchiveTests.SevenZip(h, source, switches, Password);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [Password], PreferLibLzma = !tool });

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(Expected(tool), result.Decoder);
        Assert.True(result.IsEncrypted);
        Assert.Equal(SevenZipOutput(h, archive, Password), h.OutputHashes());
        Assert.Equal(TreeHashes.Of(source), h.OutputHashes());
        Assert.All(result.Entries, e => Assert.Equal("", e.Reason));
        Assert.Contains(result.Entries, e => e is { PathName: "empty/deeper-empty", IsFolder: true });
        var big = Assert.Single(result.Entries, e => e.PathName == "bin/big.txt");
        Assert.Equal(
            DateTimeOffset.FromUnixTimeSeconds(new DateTimeOffset(File.GetLastWriteTimeUtc(Path.Combine(source, "bin", "big.txt"))).ToUnixTimeSeconds()),
            big.FileAccessTime);
        Assert.Empty(h.FilesOutside());
    }

    [Theory]
    [MemberData(nameof(FallbackKinds))]
    public async Task Folders_the_native_reader_does_not_cover_still_extract_through_sharpcompress(string switches)
    {
        using var h = new ArchiveHarness();
        var source = SampleTrees.Create(h.Work);
        var archive = EncryptedArchiveTests.SevenZip(h, source, switches, Password);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [Password] });

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(ArchiveDecoder.SharpCompress, result.Decoder);
        Assert.Equal(TreeHashes.Of(source), h.OutputHashes());
    }

    [Theory]
    [InlineData("-mhe=off -ms=on -m0=lzma2", false)]
    [InlineData("-mhe=off -ms=off -m0=lzma2", false)]
    [InlineData("-mhe=off -ms=off -m0=copy", false)]
    [InlineData("-mhe=off -ms=on -m0=lzma2", true)]
    [InlineData("-mhe=off -ms=off -m0=lzma2", true)]
    [InlineData("-mhe=off -ms=off -m0=copy", true)]
    public async Task A_wrong_password_on_the_native_path_is_password_incorrect_and_writes_nothing(string switches, bool tool)
    {
        using var h = new ArchiveHarness();
        var archive = EncryptedArchiveTests.SevenZip(h, SampleTrees.Create(h.Work), switches, Password);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = ["wrong"], PreferLibLzma = !tool });

        // 7zz fails on the wrong key before any of its output is used, or hands over data whose CRC-32 does not match:
        // either way nothing is written and the code is the one liblzma gives.
        Assert.Contains(result.Decoder, (ArchiveDecoder[])[ArchiveDecoder.SevenZipNative, Expected(tool)]);
        Assert.Equal(ArchiveErrorCode.WrongPassword, result.Error?.Code);
        Assert.Equal(ArchiveErrorCode.WrongPassword, result.PasswordProblem);
        Assert.StartsWith("Incorrect password", result.Error!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.OutputHashes().Keys, k => k != "bin/zero-length.dat");
    }

    [Theory]
    [MemberData(nameof(Decoders))]
    public async Task Symlinks_in_an_encrypted_7z_are_links_not_files_holding_their_target(bool tool)
    {
        using var h = new ArchiveHarness();
        var source = SampleTrees.Create(h.Work, links: true);
        var archive = EncryptedArchiveTests.SevenZip(h, source, "-mhe=on -ms=on -snl", Password);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [Password], PreferLibLzma = !tool });

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(Expected(tool), result.Decoder);

        // Links inside the root are written as copies of what they point to (chains followed); a folder link is not.
        var hashes = h.OutputHashes();
        var readme = TreeHashes.Hash(Path.Combine(source, "readme.txt"));
        Assert.Equal(readme, hashes["link-to-readme.txt"]);
        Assert.Equal(readme, hashes["bin/up-link.txt"]);
        Assert.Equal(readme, hashes["chain.txt"]);
        Assert.Equal(ArchiveErrorCode.LinkNotMaterialized, Assert.Single(result.Entries, e => e.PathName == "dir-link").Code);
    }

    [Theory]
    [MemberData(nameof(Decoders))]
    public async Task Resuming_a_solid_encrypted_7z_on_the_native_path_skips_to_the_first_file_not_done(bool tool)
    {
        using var h = new ArchiveHarness();
        var source = SampleTrees.Create(h.Work);
        var archive = EncryptedArchiveTests.SevenZip(h, source, "-mhe=off -ms=on -m0=lzma2", Password);
        var full = await h.ExtractAsync(archive, new ExtractionOptions { Passphrases = [Password] }, "full");
        Assert.True(full.Succeeded, full.Error?.ToString());
        var files = full.Entries.Where(e => e is { IsFolder: false, UnPackedSize: > 0 }).ToList();
        var resumeAt = files[files.Count / 2].Index;

        var resumed = await h.ExtractAsync(
            archive, new ExtractionOptions { Passphrases = [Password], ResumeFrom = new ExtractionCheckpoint(resumeAt, []), PreferLibLzma = !tool });

        // Mid-way through the one solid block: both decoders decode the files before it and drop them.
        Assert.True(resumed.Succeeded, resumed.Error?.ToString());
        Assert.Equal(Expected(tool), resumed.Decoder);
        var expected = TreeHashes.Of(source).Where(kv => full.Entries.Single(e => e.PathName == kv.Key).Index >= resumeAt);
        Assert.Equal(expected, h.OutputHashes());
    }

    /// <summary>Unencrypted 7z folders the native reader decodes: it reads them instead of libarchive (same liblzma, fewer copies).</summary>
    public static TheoryData<string> PlainNativeKinds => new()
    {
        "-ms=on -m0=lzma2 -mx=1",
        "-ms=off -m0=lzma2",
        "-ms=on -m0=lzma",
        "-ms=on -m0=copy",
        "-ms=on -m0=lzma2 -mf=BCJ",
        "-ms=on -m0=lzma2 -mx=9",
    };

    [Theory]
    [MemberData(nameof(PlainNativeKindsOnBothDecoders))]
    public async Task Unencrypted_7z_decodes_natively_and_equals_7zz_output(string switches, bool tool)
    {
        using var h = new ArchiveHarness();
        var source = SampleTrees.Create(h.Work);
        var archive = PlainSevenZip(h, source, switches);

        var result = await h.ExtractAsync(archive, new ExtractionOptions { PreferLibLzma = !tool });

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(Expected(tool), result.Decoder);
        Assert.False(result.IsEncrypted);
        Assert.Equal(SevenZipOutput(h, archive, password: null), h.OutputHashes());
        Assert.Equal(TreeHashes.Of(source), h.OutputHashes());
        Assert.All(result.Entries, e => Assert.Equal("", e.Reason));
        Assert.Contains(result.Entries, e => e is { PathName: "empty/deeper-empty", IsFolder: true });

        // Same entries, sizes, packed sizes and times as libarchive reports for the same archive.
        var libarchive = await h.ExtractAsync(archive, new ExtractionOptions { PreferLibArchive = true }, "libarchive");
        Assert.Equal(ArchiveDecoder.LibArchive, libarchive.Decoder);
        Assert.Equal(
            libarchive.Entries.Select(e => (e.Index, e.PathName, e.IsFolder, e.PackedSize, e.UnPackedSize, e.FileAccessTime)),
            result.Entries.Select(e => (e.Index, e.PathName, e.IsFolder, e.PackedSize, e.UnPackedSize, e.FileAccessTime)));
    }

    [Theory]
    [InlineData("-m0=PPMd")]
    [InlineData("-ms=on -mf=BCJ2")]
    public async Task Unencrypted_7z_folders_the_native_reader_does_not_cover_stay_on_libarchive(string switches)
    {
        using var h = new ArchiveHarness();
        var source = SampleTrees.Create(h.Work);
        var archive = PlainSevenZip(h, source, switches);

        var result = await h.ExtractAsync(archive, new ExtractionOptions());

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(ArchiveDecoder.LibArchive, result.Decoder);
        Assert.Equal(TreeHashes.Of(source), h.OutputHashes());
    }

    [Theory]
    [MemberData(nameof(Decoders))]
    public async Task Damage_in_an_unencrypted_solid_7z_on_the_native_path_keeps_the_files_before_it(bool tool)
    {
        using var h = new ArchiveHarness();
        var source = Path.Combine(h.Work, "src");
        Directory.CreateDirectory(source);
        var rng = new Random(11);
        for (var i = 0; i < 4; i++)
        {
            var text = string.Join('\n', Enumerable.Range(0, 40_000).Select(n => $"file {i} line {n} {rng.Next()}"));
            File.WriteAllText(Path.Combine(source, $"f{i}.txt"), text);
        }

        var archive = PlainSevenZip(h, source, "-ms=on -m0=lzma2 -mx=1");
        var bytes = File.ReadAllBytes(archive);
        var full = await h.ExtractAsync(archive, new ExtractionOptions(), "full");
        Assert.True(full.Succeeded, full.Error?.ToString());

        // Flip bytes in the packed data's last quarter: the solid block decodes correctly up to there.
        var packedEnd = 32 + (long)BitConverter.ToUInt64(bytes, 12);
        for (var at = packedEnd * 3 / 4; at < packedEnd * 3 / 4 + 64; at++)
        {
            bytes[at] ^= 0x5A;
        }

        File.WriteAllBytes(archive, bytes);
        var result = await h.ExtractAsync(archive, new ExtractionOptions { PreferLibLzma = !tool });

        Assert.Equal(Expected(tool), result.Decoder);
        Assert.Equal(ArchiveErrorCode.Corrupt, result.Error?.Code);
        var failed = result.Entries.Single(e => e.PathName == result.Error!.EntryName);
        Assert.Equal(ArchiveErrorCode.Corrupt, failed.Code);
        var written = h.OutputHashes();
        Assert.DoesNotContain(failed.PathName, written.Keys);
        Assert.Equal(
            TreeHashes.Of(source).Where(kv => full.Entries.Single(e => e.PathName == kv.Key).Index < failed.Index),
            written);
        Assert.Equal(written.Keys.Order(), result.Entries.Where(e => e.Succeeded && !e.IsFolder).Select(e => e.PathName).Order());
    }

    [Fact]
    public async Task The_7zz_child_is_given_up_where_it_would_decode_whole_folders_liblzma_jumps_over()
    {
        using var h = new ArchiveHarness();
        var source = Path.Combine(h.Work, "src");
        Directory.CreateDirectory(source);
        var rng = new Random(3);
        foreach (var (name, lines) in new[] { ("a.txt", 1_000), ("b.txt", 700_000), ("c.txt", 1_000) })
        {
            File.WriteAllText(Path.Combine(source, name), string.Join('\n', Enumerable.Range(0, lines).Select(n => $"{name} {n} {rng.Next()}")));
        }

        // Non-solid: one folder per file; b.txt's (~15 MB) is past the 8 MiB 7zz may decode for nothing.
        var archive = PlainSevenZip(h, source, "-ms=off -m0=lzma2 -mx=1");
        var hashes = TreeHashes.Of(source);

        // a.txt from 7zz, then c.txt from liblzma (7zz would have to decode b.txt to get there).
        var both = await h.ExtractAsync(archive, new ExtractionOptions { SelectedPaths = ["a.txt", "c.txt"] }, "both");
        Assert.True(both.Succeeded, both.Error?.ToString());
        Assert.Equal(ArchiveDecoder.SevenZipTool, both.Decoder);
        Assert.Equal(hashes.Where(kv => kv.Key != "b.txt"), h.OutputHashes("both"));

        // Only c.txt: 7zz never starts.
        var last = await h.ExtractAsync(archive, new ExtractionOptions { SelectedPaths = ["c.txt"] }, "last");
        Assert.True(last.Succeeded, last.Error?.ToString());
        Assert.Equal(ArchiveDecoder.SevenZipNative, last.Decoder);
        Assert.Equal(hashes.Where(kv => kv.Key == "c.txt"), h.OutputHashes("last"));
    }

    [Fact]
    public async Task A_7z_declaring_a_dictionary_over_64_MiB_is_decoded_by_liblzma_not_7zz()
    {
        // 7zz would allocate the declared dictionary whatever the folder's size; liblzma clamps it to the output.
        using var h = new ArchiveHarness();
        var source = SampleTrees.Create(h.Work);
        var archive = PlainSevenZip(h, source, "-ms=on -m0=lzma2 -mx=1 -mhc=off");
        var small = await h.ExtractAsync(archive, new ExtractionOptions(), "small");
        Assert.Equal(ArchiveDecoder.SevenZipTool, small.Decoder);

        DeclareLzma2Dictionary(archive, 0x20); // 2 << 27: 256 MiB
        var large = await h.ExtractAsync(archive, new ExtractionOptions(), "large");

        Assert.True(large.Succeeded, large.Error?.ToString());
        Assert.Equal(ArchiveDecoder.SevenZipNative, large.Decoder);
        Assert.Equal(TreeHashes.Of(source), h.OutputHashes("large"));
    }

    [Theory]
    [InlineData(new byte[] { 0x21 }, new byte[] { 0 }, 4096L)]
    [InlineData(new byte[] { 0x21 }, new byte[] { 1 }, 6144L)]
    [InlineData(new byte[] { 0x21 }, new byte[] { 24 }, 16L << 20)]
    [InlineData(new byte[] { 0x21 }, new byte[] { 40 }, 4294967295L)]
    [InlineData(new byte[] { 0x21 }, new byte[] { 41 }, long.MaxValue)]
    [InlineData(new byte[] { 0x03, 0x01, 0x01 }, new byte[] { 0x5D, 0, 0, 0, 4 }, 64L << 20)]
    [InlineData(new byte[] { 0x03, 0x01, 0x01 }, new byte[] { 0x5D }, long.MaxValue)]
    [InlineData(new byte[] { 0x03, 0x03, 0x01, 0x03 }, new byte[0], 0L)]
    public void The_declared_dictionary_is_read_from_LZMA_and_LZMA2_properties(byte[] id, byte[] properties, long expected) =>
        Assert.Equal(expected, SevenZipReader.DeclaredDictionary(new SevenZipCoder(id, properties, 1, 1)));

    /// <summary>Rewrites the LZMA2 coder's dictionary byte in an uncompressed 7z header and fixes both header CRCs.</summary>
    private static void DeclareLzma2Dictionary(string archive, byte dictionary)
    {
        var bytes = File.ReadAllBytes(archive);
        var headerAt = 32 + (long)BitConverter.ToUInt64(bytes, 12);
        var headerSize = (int)BitConverter.ToUInt64(bytes, 20);
        var header = bytes.AsSpan((int)headerAt, headerSize);
        // A coder record: flags 0x21 (1-byte id, has properties), id 0x21 (LZMA2), 1 property byte.
        var at = header.IndexOf([(byte)0x21, (byte)0x21, (byte)0x01]);
        Assert.True(at >= 0, "no LZMA2 coder in the header");
        header[at + 3] = dictionary;
        BitConverter.TryWriteBytes(bytes.AsSpan(28, 4), Crc32(header));
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 4), Crc32(bytes.AsSpan(12, 20)));
        File.WriteAllBytes(archive, bytes);
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
            }
        }

        return ~crc;
    }

    [Fact]
    public async Task A_7z_that_is_not_a_local_file_is_decoded_by_liblzma()
    {
        using var h = new ArchiveHarness();
        var source = SampleTrees.Create(h.Work);
        var archive = PlainSevenZip(h, source, "-ms=on -m0=lzma2 -mx=1");
        using var memory = new MemoryStream(File.ReadAllBytes(archive));

        var result = await h.Extractor.ExtractAsync(
            memory, new ExtractionTarget(h.Storage.GetBucket("out"), Storage.ObjectUri.Parse("oss://out/x/")), new ExtractionOptions());

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(ArchiveDecoder.SevenZipNative, result.Decoder);
        Assert.Equal(TreeHashes.Of(source), h.OutputHashes());
    }

    internal static TheoryData<string, bool> OnBothDecoders(TheoryData<string> kinds)
    {
        var data = new TheoryData<string, bool>();
        foreach (var row in kinds)
        {
            data.Add(row, false);
            data.Add(row, true);
        }

        return data;
    }

    private static ArchiveDecoder Expected(bool tool) => tool ? ArchiveDecoder.SevenZipTool : ArchiveDecoder.SevenZipNative;

    internal static string PlainSevenZip(ArchiveHarness h, string source, string switches)
    {
        var archive = Path.Combine(h.Work, $"plain-{Guid.NewGuid():N}.7z");
        Tools.Run(source, "7zz", ["a", "-bd", "-y", .. switches.Split(' '), archive, "."]);
        return archive;
    }

    /// <summary>SHA-256 of every file `7zz x` writes for the archive (the reference output).</summary>
    private static SortedDictionary<string, string> SevenZipOutput(ArchiveHarness h, string archive, string? password)
    {
        var folder = Path.Combine(h.Work, $"7zz-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        Tools.Run(folder, "7zz", password is null ? ["x", "-bd", "-y", archive] : ["x", "-bd", "-y", "-p" + password, archive]);
        return TreeHashes.Of(folder);
    }
}
