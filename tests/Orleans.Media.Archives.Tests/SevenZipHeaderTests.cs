using System.Buffers.Binary;
using System.Diagnostics;
using Orleans.Media.Archives.SevenZip;
using Orleans.Media.Archives.Tests.Support;

namespace Orleans.Media.Archives.Tests;

/// <summary>
/// <see cref="SevenZipHeader"/> parses an untrusted 7z header inside the silo: its sizes must match 7-Zip's own
/// listing, and no damage (truncation, mutated header bytes, hostile counts and sizes) may throw, hang or make it
/// allocate beyond what the archive itself could justify.
/// </summary>
public sealed class SevenZipHeaderTests : IClassFixture<SevenZipHeaderTests.Archives>
{
    // The fuzzed archives are a few KB: nothing they contain justifies more than this per call. Allocating what a
    // hostile header merely claims (up to the 64 MB header cap) fails it.
    private const long PerCallAllocationBudget = 8L * 1024 * 1024;
    private const string Password = "header-secret";

    private readonly Archives _archives;

    public SevenZipHeaderTests(Archives archives) => _archives = archives;

    public static TheoryData<string> Kinds => new(["7z-nonsolid", "7z-solid", "7z-header-uncompressed", "7z-lzma2", "7z-ppmd", "7z-bcj2", "7z-encrypted"]);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void PackedSizesMatchSevenZipListing(string kind)
    {
        var path = _archives.Sample(kind);
        var expected = ListPackedSizes(path);

        long[]? actual;
        using (var stream = File.OpenRead(path))
        {
            actual = SevenZipHeader.TryReadPackedSizes(stream);
        }

        Assert.NotNull(actual);
        Assert.Equal(expected.Select(e => e.Packed), actual);

        // The sizes add up to the packed data: all of it when the header is stored plain, else less its packed header.
        var offset = NextHeaderOffset(path);
        if (kind == "7z-header-uncompressed")
        {
            Assert.Equal(offset, actual.Sum());
        }
        else
        {
            Assert.InRange(actual.Sum(), offset - 64 * 1024, offset - 1);
        }
    }

    [Fact]
    public void LargeHeaderDecodesPastTheFirstOutputBuffer()
    {
        // 3,000 long names make a header of a few hundred KB: the LZMA output buffer must grow to hold it.
        var path = _archives.Sample("7z-many-files");
        var expected = ListPackedSizes(path);
        using var stream = File.OpenRead(path);
        var actual = SevenZipHeader.TryReadPackedSizes(stream);
        Assert.Equal(3000, expected.Count);
        Assert.Equal(expected.Select(e => e.Packed), actual);
    }

    [Fact]
    public void A_header_claiming_another_entry_count_than_the_listing_is_refused()
    {
        // The extractor passes the count libarchive listed: a header naming another count gets no sizes (and no
        // allocation for its count), the listed one still reads.
        var path = _archives.Sample("7z-many-files");
        using var stream = File.OpenRead(path);
        Assert.Null(SevenZipHeader.TryReadPackedSizes(stream, expectedEntries: 2999));
        Assert.Equal(3000, SevenZipHeader.TryReadPackedSizes(stream, expectedEntries: 3000)!.Length);
    }

    [Fact]
    public void SolidBlockCountsOnItsFirstFileOnly()
    {
        var expected = ListPackedSizes(_archives.Sample("7z-solid"));
        using var stream = File.OpenRead(_archives.Sample("7z-solid"));
        var actual = SevenZipHeader.TryReadPackedSizes(stream)!;

        // The sample's files all share one block: one non-zero size, on the block's first file, others 0.
        var withData = expected.Select((e, i) => (e, i)).Where(x => x.e.Block is not null).ToList();
        Assert.True(withData.Count >= 3, "the solid sample should have several files in a block");
        Assert.Single(actual, s => s > 0);
        Assert.True(actual[withData[0].i] > 0);
        Assert.All(withData.Skip(1), x => Assert.Equal(0, actual[x.i]));
    }

    [Fact]
    public void SizesLineUpWithTheEntriesTheExtractorLists()
    {
        // ArchivePlan matches sizes to libarchive's listing by index: the orders must agree entry for entry.
        foreach (var kind in new[] { "7z-nonsolid", "7z-solid" })
        {
            var path = _archives.Sample(kind);
            var listed = ListPackedSizes(path);
            using var stream = File.OpenRead(path);
            var plan = ArchivePlan.Build(stream, [], new ArchiveLimits());
            Assert.Equal(listed.Select(e => e.Path), plan.Entries.Select(e => e.Name.TrimEnd('/')));
            Assert.Equal(listed.Select(e => e.Packed), plan.Entries.Select(e => e.PackedSize));
        }
    }

    [Fact]
    public void EncryptedHeaderGivesNull()
    {
        using var stream = File.OpenRead(_archives.Sample("7z-encrypted-headers"));
        Assert.Null(SevenZipHeader.TryReadPackedSizes(stream));
    }

    [Fact]
    public void NonSeekableStreamGivesNullWithoutThrowing()
    {
        var bytes = File.ReadAllBytes(_archives.Sample("7z-nonsolid"));
        using var stream = new ForwardOnlyStream(bytes);
        Assert.Null(SevenZipHeader.TryReadPackedSizes(stream));
    }

    [Theory]
    [InlineData(long.MaxValue, 16L)]
    [InlineData(long.MaxValue - 31, 64L)]
    [InlineData(0L, long.MaxValue)]
    [InlineData(-1L, 16L)]
    [InlineData(0L, 64L * 1024 * 1024)]
    [InlineData(16L, -5L)]
    public void HostileSignatureHeaderGivesNull(long nextOffset, long nextSize)
    {
        var bytes = File.ReadAllBytes(_archives.Small("7z-lzma"));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(12), nextOffset);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(20), nextSize);
        var (result, allocated) = Call(bytes);
        Assert.Null(result);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated:N0} bytes for a header that is not there");
    }

    [Fact]
    public void EncodedHeaderClaimingHugeUnpackSizeGivesNullCheaply()
    {
        // The encoded (LZMA) header's unpack size rewritten to ~48 MB in place: the data decodes to far less.
        var bytes = File.ReadAllBytes(_archives.Small("7z-lzma"));
        var end = checked((int)(32 + BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(12))));
        var coder = bytes.AsSpan(end).IndexOf((ReadOnlySpan<byte>)[0x03, 0x01, 0x01, 0x05]);
        Assert.True(coder > 0, "the sample's header is LZMA-encoded");
        var sizeAt = end + coder + 4 + 5;
        Assert.Equal(0x0C, bytes[sizeAt]);
        byte[] hostile = [0xE3, 0xC0, 0x00, 0x00, 0x00, 0x00]; // 28-bit number 0x3_0000C0, then End, End
        hostile.CopyTo(bytes, sizeAt + 1);
        var (result, allocated) = Call(bytes);
        Assert.Null(result);
        Assert.True(allocated < PerCallAllocationBudget, $"allocated {allocated:N0} bytes for a claimed 48 MB header");
    }

    [Fact]
    public async Task SizeThatWrapsBackwardsDoesNotLoop()
    {
        // ArchiveProperties: property 05 whose size 2^64 - 10, read as a negative skip, would land on the property
        // byte again and loop forever.
        byte[] header = [0x01, 0x02, 0x05, 0xFF, 0xF6, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00];
        var call = Task.Run(() => Call(Craft(header)));
        var finished = await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(5)));
        Assert.True(finished == call, "TryReadPackedSizes looped on a wrapping size");
        Assert.Null((await call).Result);
    }

    [Fact]
    public void HugeSubStreamCountWithDigestsGivesNullCheaply()
    {
        // One stored folder claiming int.MaxValue unpack streams, all with CRCs: the CRCs are not there to read.
        byte[] header =
        [
            0x01, 0x04, // Header, MainStreamsInfo
            0x07, 0x0B, 0x01, 0x00, 0x01, 0x01, 0x00, // UnpackInfo: 1 folder, 1 coder (Copy)
            0x0C, 0x05, 0x00, // unpack size 5, End
            0x08, 0x0D, 0xF0, 0xFF, 0xFF, 0xFF, 0x7F, // SubStreamsInfo: int.MaxValue streams
            0x0A, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // CRCs, all defined
        ];
        var (result, allocated) = Call(Craft(header));
        Assert.Null(result);
        Assert.True(allocated < PerCallAllocationBudget, $"allocated {allocated:N0} bytes for CRCs a 26-byte header cannot hold");
    }

    [Fact]
    public void FileCountIsBoundedByTheHeaderBytes()
    {
        // 100 KB of header claiming 800,000 files: each file would cost 8 bytes of result, 64x the header.
        var header = new byte[100_000];
        byte[] start = [0x01, 0x05, 0xE0, 0x00, 0x35, 0x0C, 0x00]; // Header, FilesInfo, 28-bit 800,000, End
        start.CopyTo(header, 0);
        var (result, allocated) = Call(Craft(header));
        Assert.Null(result);
        Assert.True(allocated < 4 * header.Length, $"allocated {allocated:N0} bytes for a {header.Length:N0}-byte header");
    }

    [Theory]
    [InlineData("7z-lzma")]
    [InlineData("7z-header-uncompressed")]
    [InlineData("7z-solid")]
    public void EveryTruncationIsHandled(string kind)
    {
        var bytes = File.ReadAllBytes(_archives.Small(kind));
        var stats = new FuzzStats();
        for (var length = 0; length <= bytes.Length; length++)
        {
            var result = stats.Run(bytes.AsSpan(0, length).ToArray());
            if (length == bytes.Length)
            {
                Assert.NotNull(result);
            }
            else
            {
                // The header is the archive's last part: any cut loses it.
                Assert.Null(result);
            }
        }

        stats.AssertWithinBudget(TimeSpan.FromSeconds(2));
    }

    [Theory]
    [InlineData("7z-lzma", 1)]
    [InlineData("7z-header-uncompressed", 2)]
    [InlineData("7z-solid", 3)]
    [InlineData("7z-bcj2", 4)]
    public void MutatedHeadersNeverThrowOrBlowUp(string kind, int seed)
    {
        var original = File.ReadAllBytes(_archives.Small(kind));
        var headerStart = checked((int)(32 + BinaryPrimitives.ReadInt64LittleEndian(original.AsSpan(12))));

        // The end header, the (packed) header data just before it, and the signature header.
        var regionStart = Math.Max(32, headerStart - 256);
        var rng = new Random(seed);
        var stats = new FuzzStats();
        var nonNull = 0;
        for (var i = 0; i < 2500; i++)
        {
            var bytes = (byte[])original.Clone();
            var mutations = 1 + rng.Next(4);
            for (var m = 0; m < mutations; m++)
            {
                var at = rng.Next(10) == 0 ? 8 + rng.Next(24) : regionStart + rng.Next(bytes.Length - regionStart);
                Mutate(bytes, at, rng);
            }

            if (stats.Run(bytes) is not null)
            {
                nonNull++;
            }

            // Seekable but the header at the end via a wrapper that is not a MemoryStream (reads in odd chunks).
            if (i % 8 == 0)
            {
                stats.Run(bytes, chunked: true);
            }
        }

        stats.AssertWithinBudget(TimeSpan.FromSeconds(3));

        // The mutations must reach the parser, not all die at the first check: some still read (e.g. a CRC byte).
        Assert.InRange(nonNull, 1, 2499);
    }

    /// <summary>Overwrites bytes at <paramref name="at"/>: random, bit flips, or 7z numbers that claim huge counts and sizes.</summary>
    private static void Mutate(byte[] bytes, int at, Random rng)
    {
        byte[] patch = rng.Next(7) switch
        {
            0 => [(byte)rng.Next(256)],
            1 => [(byte)(bytes[at] ^ (1 << rng.Next(8)))],
            2 => [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], // 2^64 - 1
            3 => [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], // long.MaxValue
            4 => [0xF0, 0xFF, 0xFF, 0xFF, 0x7F], // int.MaxValue
            5 => [0xE3, 0xC0, 0x00, 0x00], // ~48 MB
            _ => [(byte)(0x80 | rng.Next(0x40)), (byte)rng.Next(256)],
        };
        var length = Math.Min(patch.Length, bytes.Length - at);
        patch.AsSpan(0, length).CopyTo(bytes.AsSpan(at));
    }

    /// <summary>A 7z of nothing but a signature header pointing at <paramref name="header"/> (7z does not need CRCs here).</summary>
    private static byte[] Craft(byte[] header)
    {
        var bytes = new byte[32 + header.Length];
        byte[] signature = [(byte)'7', (byte)'z', 0xBC, 0xAF, 0x27, 0x1C, 0x00, 0x04];
        signature.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(12), 0);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(20), header.Length);
        header.CopyTo(bytes, 32);
        return bytes;
    }

    private static (long[]? Result, long Allocated) Call(byte[] bytes, bool chunked = false)
    {
        using Stream stream = chunked ? new ChunkedStream(bytes) : new MemoryStream(bytes, writable: false);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = SevenZipHeader.TryReadPackedSizes(stream);
        return (result, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static List<(string Path, long Packed, string? Block)> ListPackedSizes(string archive)
    {
        var psi = new ProcessStartInfo("7zz") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "l", "-slt", "-p" + Password, archive })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);

        // Entries follow the "----------" line, one "Key = value" block each; an empty Packed Size means 0.
        var list = new List<(string, long, string?)>();
        string? path = null;
        long packed = 0;
        foreach (var line in output[output.IndexOf("\n----------\n", StringComparison.Ordinal)..].Split('\n'))
        {
            if (line.StartsWith("Path = ", StringComparison.Ordinal))
            {
                path = line["Path = ".Length..];
            }
            else if (line.StartsWith("Packed Size = ", StringComparison.Ordinal))
            {
                packed = line.Length > "Packed Size = ".Length ? long.Parse(line["Packed Size = ".Length..], System.Globalization.CultureInfo.InvariantCulture) : 0;
            }
            else if (line.StartsWith("Block = ", StringComparison.Ordinal))
            {
                var block = line["Block = ".Length..];
                list.Add((path!, packed, block.Length == 0 ? null : block));
            }
        }

        Assert.NotEmpty(list);
        return list;
    }

    /// <summary>Bytes between the signature header and the end header: packed data, then any packed header.</summary>
    private static long NextHeaderOffset(string archive)
    {
        Span<byte> start = stackalloc byte[32];
        using var f = File.OpenRead(archive);
        f.ReadExactly(start);
        return BinaryPrimitives.ReadInt64LittleEndian(start[12..]);
    }

    /// <summary>Calls the reader on each input, checking the contract: no throw, null or non-negative sizes, bounded allocation.</summary>
    private sealed class FuzzStats
    {
        private readonly Stopwatch _time = new();
        private long _maxAllocated;
        private int _calls;

        public long[]? Run(byte[] bytes, bool chunked = false)
        {
            _time.Start();
            var (result, allocated) = Call(bytes, chunked);
            _time.Stop();
            _calls++;
            _maxAllocated = Math.Max(_maxAllocated, allocated);
            Assert.True(allocated < PerCallAllocationBudget, $"one call allocated {allocated:N0} bytes on a {bytes.Length:N0}-byte archive");
            if (result is not null)
            {
                Assert.All(result, s => Assert.InRange(s, 0, bytes.Length));
            }

            return result;
        }

        public void AssertWithinBudget(TimeSpan budget) =>
            Assert.True(_time.Elapsed < budget, $"{_calls} calls took {_time.Elapsed} (max {_maxAllocated:N0} bytes in one call)");
    }

    /// <summary>A read-only stream that cannot seek, as a network body would be.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
    }

    /// <summary>A seekable stream that returns at most a few bytes per read, as a ranged object stream may.</summary>
    private sealed class ChunkedStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 7));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, 7)]);
    }

    /// <summary>Builds the archives once per class: full samples for the listing checks, tiny ones for fuzzing.</summary>
    public sealed class Archives : IDisposable
    {
        private readonly TempFolder _temp = new();
        private readonly Dictionary<string, string> _samples = [];
        private readonly Dictionary<string, string> _small = [];

        public Archives()
        {
            var tree = SampleTrees.Create(_temp.Path);
            var smallTree = Path.Combine(_temp.Path, "small");
            Directory.CreateDirectory(Path.Combine(smallTree, "dir", "empty"));
            File.WriteAllText(Path.Combine(smallTree, "a.txt"), string.Concat(Enumerable.Repeat("alpha ", 200)));
            File.WriteAllText(Path.Combine(smallTree, "dir", "b.txt"), "bravo");
            File.WriteAllBytes(Path.Combine(smallTree, "dir", "zero.dat"), []);
            File.WriteAllText(Path.Combine(smallTree, "c.txt"), string.Concat(Enumerable.Range(0, 300).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))));

            foreach (var kind in new[] { "7z-solid", "7z-nonsolid", "7z-encrypted", "7z-encrypted-headers" })
            {
                _samples[kind] = ArchiveBuilder.Build(kind, tree, _temp.Path, Password);
            }

            _samples["7z-header-uncompressed"] = Build(tree, "-ms=on", "-mhc=off");
            _samples["7z-lzma2"] = Build(tree, "-ms=off", "-m0=LZMA2");
            _samples["7z-ppmd"] = Build(tree, "-ms=on", "-m0=PPMd");
            _samples["7z-bcj2"] = Build(tree, "-ms=on", Bcj2);

            var many = Path.Combine(_temp.Path, "many");
            Directory.CreateDirectory(many);
            for (var i = 0; i < 3000; i++)
            {
                File.WriteAllText(Path.Combine(many, $"{i:D5}-a-rather-long-file-name-to-grow-the-header.txt"), i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            _samples["7z-many-files"] = Build(many, "-ms=e");

            _small["7z-lzma"] = Build(smallTree, "-ms=off", "-m0=LZMA");
            _small["7z-header-uncompressed"] = Build(smallTree, "-ms=off", "-mhc=off");
            _small["7z-solid"] = Build(smallTree, "-ms=on", "-m0=LZMA2");
            _small["7z-bcj2"] = Build(smallTree, "-ms=on", Bcj2);
        }

        // BCJ2 with its three LZMA streams: a folder of four coders and four packed streams.
        private static string[] Bcj2 => ["-m0=BCJ2", "-m1=LZMA:d20", "-m2=LZMA:d16", "-m3=LZMA:d16", "-mb0:1", "-mb0s1:2", "-mb0s2:3"];

        public string Sample(string kind) => _samples[kind];

        public string Small(string kind) => _small[kind];

        public void Dispose() => _temp.Dispose();

        private string Build(string tree, params object[] switches)
        {
            var output = _temp.Combine($"{Guid.NewGuid():N}.7z");
            string[] args = ["a", "-bd", "-y", "-snl", .. switches.SelectMany(s => s as string[] ?? [(string)s]), output, "."];
            Tools.Run(tree, "7zz", args);
            return output;
        }
    }
}
