using System.IO.Pipelines;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Media.Storage.Local;

namespace Orleans.Media.Storage.Tests;

/// <summary>
/// Parts of declared-size uploads write their whole 4 KiB blocks around the page cache (O_DIRECT) and the blocks
/// they share with their neighbours through it: whatever the part size, the order, the body's pieces or the path a
/// part was written by before, the object reads back equal. The bucket is under the test's output folder (a real
/// disk; the temp folder may be tmpfs), and a device that refuses an uncached write gets it through the page cache.
/// </summary>
public sealed class LocalUncachedPartWriteTests : IDisposable
{
    private readonly string _root = Path.Combine(AppContext.BaseDirectory, "om-uncached-" + Guid.NewGuid().ToString("N")[..10]);

    public LocalUncachedPartWriteTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<int, int, bool> Layouts => new()
    {
        // part size, last part's size, writes around the page cache
        { 2 * TestData.MiB, 3 * 4096, true },               // block-aligned parts and last part
        { (2 * TestData.MiB) + 4095, 100, true },           // every later part starts mid-block; a last part inside one block
        { (3 * TestData.MiB) - 1, (1 * TestData.MiB) + 17, true },
        { (4096 * 300) + 17, 4096 - 16, true },
        { (2 * TestData.MiB) + 4095, (1 * TestData.MiB) + 17, false }, // the page-cache path, as on a file system without O_DIRECT
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task Parts_written_in_parallel_out_of_order_in_uneven_pieces_read_back_equal(int partSize, int lastSize, bool uncached)
    {
        var store = NewStore(_root);
        store.UseUncachedPartWrites = uncached;
        const int parts = 5;
        var data = TestData.Bytes((partSize * (parts - 1)) + lastSize, seed: partSize ^ lastSize);
        var key = TestData.UniquePrefix() + "object.bin";
        var uploadId = await store.InitiateMultipartAsync(key, partSize, data.Length);

        var order = new[] { 4, 2, 5, 1, 3 };
        var etags = await Task.WhenAll(order.Select(number => Task.Run(async () =>
        {
            var body = data.AsMemory((number - 1) * partSize, number == parts ? lastSize : partSize);
            var etag = await store.UploadPartAsync(key, uploadId, number, await Pipe(body, seed: number), body.Length, contentMd5: null);
            return new CompletedPart(number, etag);
        })));
        await store.CompleteMultipartAsync(key, uploadId, [.. etags.OrderBy(p => p.PartNumber)]);

        Assert.Equal(TestData.Sha256(data), TestData.Sha256(await File.ReadAllBytesAsync(Path.Combine(_root, key))));
        var expected = !uncached || !UncachedWritesPossible(_root) ? 0 : Enumerable.Range(1, parts).Sum(n => WholeBlocks((long)(n - 1) * partSize, n == parts ? lastSize : partSize));
        Assert.Equal(expected, store.UncachedPartBytes);
    }

    [Fact]
    public async Task A_part_rewritten_by_the_other_path_reads_back_as_its_last_write()
    {
        var uncached = UncachedWritesPossible(_root);
        var store = NewStore(_root);
        const int partSize = (2 * TestData.MiB) + 100;
        var key = TestData.UniquePrefix() + "rewritten.bin";
        var uploadId = await store.InitiateMultipartAsync(key, partSize, 3L * partSize);
        byte[] Part(int seed) => TestData.Bytes(partSize, seed);

        // Part 2 first around the cache, then through it; part 3 the other way round (the kernel must write the cached
        // pages out before the uncached write, or their later writeback would bring the old bytes back).
        var e1 = await store.UploadPartAsync(key, uploadId, 1, await Pipe(Part(1), 1), partSize, null);
        store.UseUncachedPartWrites = true;
        await store.UploadPartAsync(key, uploadId, 2, await Pipe(Part(20), 2), partSize, null);
        store.UseUncachedPartWrites = false;
        var e2 = await store.UploadPartAsync(key, uploadId, 2, await Pipe(Part(21), 3), partSize, null);
        await store.UploadPartAsync(key, uploadId, 3, await Pipe(Part(30), 4), partSize, null);
        store.UseUncachedPartWrites = true;
        var e3 = await store.UploadPartAsync(key, uploadId, 3, await Pipe(Part(31), 5), partSize, null);
        await store.CompleteMultipartAsync(key, uploadId, [new(1, e1), new(2, e2), new(3, e3)]);

        var expected = Part(1).Concat(Part(21)).Concat(Part(31)).ToArray();
        Assert.Equal(TestData.Sha256(expected), TestData.Sha256(await File.ReadAllBytesAsync(Path.Combine(_root, key))));
        Assert.True(!uncached || store.UncachedPartBytes > 0, "no part was written around the page cache");
    }

    [Fact]
    public async Task Blocks_the_device_refuses_uncached_are_written_through_the_page_cache_instead()
    {
        // 256-byte alignment: a part at 2 MiB + 256 starts its blocks where a 512-byte sector does not (EINVAL).
        var path = Path.Combine(_root, "refused.bin");
        File.WriteAllBytes(path, new byte[(2 * TestData.MiB) + 256]);
        var data = TestData.Bytes((3 * TestData.MiB) + 1000, seed: 9);
        var turns = new FileWriteTurns();
        using var writer = turns.Join(path);
        using (var cached = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        using (var part = new AssemblyPartWriter(writer, cached, PosixFiles.TryOpenUncached(path), (2 * TestData.MiB) + 256, alignment: 256))
        {
            var reader = await Pipe(data, seed: 3);
            while (true)
            {
                var result = await reader.ReadAsync();
                await part.WriteAsync(result.Buffer, CancellationToken.None);
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await part.FlushAsync(CancellationToken.None);
            // ext4 and xfs refuse a misaligned direct write (EINVAL); btrfs and encrypted ext4 quietly buffer it instead.
            if (UncachedWritesPossible(_root) && FileSystemType(_root) is "ext4" or "xfs")
            {
                Assert.True(part.UncachedRefused, "the device took a write at a 256-byte offset");
                Assert.Equal(0, part.UncachedBytes);
            }
        }

        var written = (await File.ReadAllBytesAsync(path)).AsSpan((2 * TestData.MiB) + 256);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256(written));
    }

    private static LocalObjectStore NewStore(string root) => new("local", root, null, null, NullLogger.Instance);

    /// <summary>The bytes of a part at <paramref name="offset"/> that fill whole blocks of their own.</summary>
    private static long WholeBlocks(long offset, long length)
    {
        var head = Math.Min(length, (AssemblyPartWriter.DefaultAlignment - (offset % AssemblyPartWriter.DefaultAlignment)) % AssemblyPartWriter.DefaultAlignment);
        var rest = length - head;
        return rest - (rest % AssemblyPartWriter.DefaultAlignment);
    }

    /// <summary>Whether O_DIRECT opens in <paramref name="folder"/>; asserted where it is on a disk's file system (Linux's ext4, xfs, btrfs all have it).</summary>
    private static bool UncachedWritesPossible(string folder)
    {
        var possible = TryOpenUncached(folder);
        if (OperatingSystem.IsLinux() && IsLocalDisk(folder))
        {
            Assert.True(possible, $"O_DIRECT refused in {folder}, on a disk's file system");
        }

        return possible;
    }

    private static bool TryOpenUncached(string folder)
    {
        var probe = Path.Combine(folder, "probe-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(probe, []);
        try
        {
            using var handle = PosixFiles.TryOpenUncached(probe);
            return handle is not null;
        }
        finally
        {
            File.Delete(probe);
        }
    }

    /// <summary>Whether <paramref name="folder"/> is on a block device's file system (not tmpfs, overlay or FUSE).</summary>
    private static bool IsLocalDisk(string folder) => FileSystemType(folder) is "ext4" or "xfs" or "btrfs";

    /// <summary>The type of the file system <paramref name="folder"/> is on, from /proc/mounts.</summary>
    private static string FileSystemType(string folder)
    {
        var full = Path.GetFullPath(folder);
        var best = string.Empty;
        var type = string.Empty;
        foreach (var line in File.ReadLines("/proc/mounts"))
        {
            var fields = line.Split(' ');
            if (fields.Length > 2 && (full == fields[1] || full.StartsWith(fields[1].TrimEnd('/') + "/", StringComparison.Ordinal)) && fields[1].Length >= best.Length)
            {
                best = fields[1];
                type = fields[2];
            }
        }

        return type;
    }

    /// <summary>A completed pipe holding <paramref name="data"/> in pieces of uneven sizes (seeded), as a socket delivers them.</summary>
    private static async Task<PipeReader> Pipe(ReadOnlyMemory<byte> data, int seed)
    {
        var random = new Random(seed);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var offset = 0;
        while (offset < data.Length)
        {
            var piece = Math.Min(data.Length - offset, random.Next(1, 200_000));
            data.Span.Slice(offset, piece).CopyTo(pipe.Writer.GetSpan(piece));
            pipe.Writer.Advance(piece);
            await pipe.Writer.FlushAsync(); // never pauses: no threshold
            offset += piece;
        }

        await pipe.Writer.CompleteAsync();
        return pipe.Reader;
    }
}
