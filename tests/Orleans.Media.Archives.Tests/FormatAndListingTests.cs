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

    /// <summary>Names already in normal form come back as the same string (no copy per entry); the rest still go the long way.</summary>
    [Theory]
    [InlineData("a.txt")]
    [InlineData("d000/f00000.txt")]
    [InlineData("a..b/.c/c./x:y")]
    [InlineData("ünïcødé/日本語/ファイル.txt")]
    public void Names_in_normal_form_are_returned_as_they_are(string stored)
    {
        Assert.Same(stored, EntryPaths.Normalize(stored));
        Assert.Same(stored, EntryPaths.TryResolve(stored, out var reason));
        Assert.Empty(reason);
    }

    [Theory]
    [InlineData("a//b", "a/b", "a/b")]
    [InlineData("a/./b", "a/b", "a/b")]
    [InlineData("./a", "a", "a")]
    [InlineData("a/", "a", "a")]
    [InlineData("a\\b", "a/b", "a/b")]
    [InlineData("a/..b/../c", "a/..b/../c", "a/c")]
    public void Names_next_to_normal_form_still_normalize(string stored, string normalized, string resolved)
    {
        Assert.Equal(normalized, EntryPaths.Normalize(stored));
        Assert.Equal(resolved, EntryPaths.TryResolve(stored, out _));
    }

    [Theory]
    [InlineData("c:x")]
    [InlineData("Z:/x/y")]
    [InlineData("..")]
    [InlineData("a/..")]
    [InlineData("")]
    public void Names_that_look_plain_but_are_not_safe_are_refused(string stored) =>
        Assert.Null(EntryPaths.TryResolve(stored, out _));

    /// <summary>
    /// The plan keeps a zip's entries in local-header order (libarchive's reading order) and takes each packed size by
    /// position: a central directory in another order (here reversed) must still give every entry its own packed size.
    /// </summary>
    [Fact]
    public async Task Packed_sizes_are_right_when_the_central_directory_is_not_in_local_header_order()
    {
        using var h = new ArchiveHarness();
        var archive = Path.Combine(h.Work, "reordered.zip");
        var rng = new Random(17);
        var expected = new Dictionary<string, long>();
        using (var zip = System.IO.Compression.ZipFile.Open(archive, System.IO.Compression.ZipArchiveMode.Create))
        {
            for (var i = 0; i < 40; i++)
            {
                var data = new byte[rng.Next(100, 20_000)];
                rng.NextBytes(data.AsSpan(0, data.Length / (1 + (i % 4)))); // different compressibility: different packed sizes
                var entry = zip.CreateEntry($"d{i % 3}/f{i}.bin", i % 5 == 0 ? System.IO.Compression.CompressionLevel.NoCompression : System.IO.Compression.CompressionLevel.Optimal);
                await using var s = entry.Open();
                await s.WriteAsync(data);
            }
        }

        using (var read = System.IO.Compression.ZipFile.OpenRead(archive))
        {
            foreach (var e in read.Entries)
            {
                expected[e.FullName] = e.CompressedLength;
            }
        }

        ReverseCentralDirectory(archive);
        using (var read = System.IO.Compression.ZipFile.OpenRead(archive))
        {
            Assert.Equal("d0/f39.bin", read.Entries[0].FullName); // the directory now lists the last entry first
        }

        var result = await h.ExtractAsync(archive);

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(40, result.Entries.Count);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"d{i % 3}/f{i}.bin"), result.Entries.Select(e => e.PathName)); // reading order
        Assert.All(result.Entries, e => Assert.Equal(expected[e.PathName], e.PackedSize));
        Assert.Equal(h.BsdtarHashes(archive), h.OutputHashes());
    }

    /// <summary>
    /// When a name read from the archive does not match the plan's entry at its position (here the central directory
    /// spells one entry differently from its local header), packed sizes are matched by name from that entry on. An
    /// earlier entry with the same name as a later one was already matched in position: the later one must get its
    /// own packed size, not the earlier one's.
    /// </summary>
    [Fact]
    public async Task After_a_name_mismatch_a_repeated_name_gets_its_own_packed_size()
    {
        using var h = new ArchiveHarness();
        var archive = Path.Combine(h.Work, "renamed.zip");
        var incompressible = new byte[30_000];
        new Random(3).NextBytes(incompressible);
        using (var zip = System.IO.Compression.ZipFile.Open(archive, System.IO.Compression.ZipArchiveMode.Create))
        {
            foreach (var (name, data) in new[] { ("dup.txt", new byte[30_000]), ("mid.txt", new byte[500]), ("dup.txt", incompressible) })
            {
                await using var s = zip.CreateEntry(name).Open();
                await s.WriteAsync(data);
            }
        }

        long[] packed;
        using (var read = System.IO.Compression.ZipFile.OpenRead(archive))
        {
            packed = [.. read.Entries.Select(e => e.CompressedLength)];
        }

        Assert.NotEqual(packed[0], packed[2]);
        RenameInCentralDirectory(archive, "mid.txt", "mix.txt");

        var result = await h.ExtractAsync(archive);

        var byIndex = result.Entries.OrderBy(e => e.Index).ToList();
        Assert.Equal(3, byIndex.Count);
        Assert.Equal(["dup.txt", "mid.txt", "dup.txt"], byIndex.Select(e => e.PathName)); // read as the local headers name them
        Assert.Equal(packed[0], byIndex[0].PackedSize);
        Assert.Equal(packed[2], byIndex[2].PackedSize);
    }

    /// <summary>Changes one record's name in the central directory (same length), leaving its local header as it was.</summary>
    private static void RenameInCentralDirectory(string path, string from, string to)
    {
        var bytes = File.ReadAllBytes(path);
        var eocd = bytes.AsSpan().LastIndexOf([(byte)0x50, (byte)0x4b, (byte)5, (byte)6]);
        var offset = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(eocd + 16));
        var at = bytes.AsSpan(offset).IndexOf(System.Text.Encoding.ASCII.GetBytes(from));
        Assert.True(at >= 0);
        System.Text.Encoding.ASCII.GetBytes(to).CopyTo(bytes, offset + at);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Rewrites the central directory with its records in reverse order (same bytes, so the end record still fits).</summary>
    private static void ReverseCentralDirectory(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var eocd = bytes.AsSpan().LastIndexOf([(byte)0x50, (byte)0x4b, (byte)5, (byte)6]);
        var size = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(eocd + 12));
        var offset = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(eocd + 16));
        var records = new List<byte[]>();
        for (var pos = offset; pos < offset + size;)
        {
            var h = bytes.AsSpan(pos);
            var length = 46 + System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(h[28..])
                + System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(h[30..]) + System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(h[32..]);
            records.Add(h[..length].ToArray());
            pos += length;
        }

        records.Reverse();
        records.SelectMany(r => r).ToArray().CopyTo(bytes, offset);
        File.WriteAllBytes(path, bytes);
    }
}
