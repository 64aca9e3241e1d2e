using System.Collections.Concurrent;
using System.Text;

namespace Orleans.Media.Storage.Tests;

/// <summary>
/// Every storage behaviour of the contract, run against each backend by a subclass
/// (<see cref="S3ObjectStoreTests"/> on s3rver, <see cref="LocalObjectStoreTests"/> on a temp folder).
/// </summary>
public abstract class ObjectStoreTests
{
    private const int MiB = TestData.MiB;

    protected abstract IObjectStore Store { get; }

    /// <summary>Local files seek for free (no read-ahead); remote objects pay a request per restart.</summary>
    protected virtual bool SeeksAreFree => false;

    /// <summary>The ETag the backend gives an object completed from these multipart parts.</summary>
    protected abstract string ExpectedMultipartETag(params byte[][] parts);

    /// <summary>Checks the ETag the backend gave an object written through <see cref="IObjectStore.OpenWrite"/>.</summary>
    protected abstract void AssertStreamedETag(byte[] data, string? etag);

    [Fact]
    public async Task Put_then_read_round_trips_bytes_and_reports_md5_etag()
    {
        var key = TestData.UniquePrefix() + "round/trip.bin";
        var data = TestData.Bytes(3 * MiB + 17, seed: 1);

        var put = await Store.PutAsync(key, new MemoryStream(data));

        Assert.Equal(data.Length, put.Size);
        Assert.Equal(TestData.Md5(data), put.ETag);
        var head = await Store.HeadAsync(key);
        Assert.NotNull(head);
        Assert.Equal(data.Length, head.Size);
        Assert.Equal(TestData.Md5(data), head.ETag);
        await using var read = await Store.OpenReadAsync(key);
        Assert.Equal(data.Length, read.Length);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256(await TestData.ReadAllAsync(read)));
    }

    [Fact]
    public async Task Put_of_an_unknown_length_stream_round_trips()
    {
        var key = TestData.UniquePrefix() + "unknown-length.bin";
        var data = TestData.Bytes(12 * MiB + 5, seed: 2);

        var put = await Store.PutAsync(key, new NonSeekableStream(data));

        Assert.Equal(data.Length, put.Size);
        await using var read = await Store.OpenReadAsync(key);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256(await TestData.ReadAllAsync(read)));
    }

    [Fact]
    public async Task Empty_object_round_trips()
    {
        var key = TestData.UniquePrefix() + "empty";
        var put = await Store.PutAsync(key, new MemoryStream());
        Assert.Equal(0, put.Size);
        Assert.Equal(0, (await Store.HeadAsync(key))!.Size);
        await using var read = await Store.OpenReadAsync(key);
        Assert.Empty(await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task Keys_with_spaces_unicode_and_url_characters_round_trip()
    {
        var prefix = TestData.UniquePrefix();
        string[] names = ["with space.txt", "名前/ファイル.txt", "plus+sign.bin", "percent%20literal", "amp&eq=q?.txt", "emoji-🎞.mp4", "tilde~and'quote", "x-\uE000", "x-😀", "x-\uFFFD"];
        foreach (var name in names)
        {
            await Store.PutAsync(prefix + name, new MemoryStream(Encoding.UTF8.GetBytes(name)));
        }

        foreach (var name in names)
        {
            Assert.Equal(Encoding.UTF8.GetByteCount(name), (await Store.HeadAsync(prefix + name))?.Size);
            await using var read = await Store.OpenReadAsync(prefix + name);
            Assert.Equal(name, Encoding.UTF8.GetString(await TestData.ReadAllAsync(read)));
        }

        var listed = (await Store.ListAsync(prefix)).Objects.Select(o => o.Key[prefix.Length..]);
        // S3 order is UTF-8 byte order: "x-\uE000" < "x-\uFFFD" < "x-😀", unlike .NET's UTF-16 ordinal order.
        Assert.Equal(names.OrderBy(n => Encoding.UTF8.GetBytes(n), Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))), listed);
    }

    [Fact]
    public async Task Head_of_a_missing_object_is_null_and_open_read_throws_not_found()
    {
        var key = TestData.UniquePrefix() + "missing";
        Assert.Null(await Store.HeadAsync(key));
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.OpenReadAsync(key));
        Assert.Equal(key, e.Key);
    }

    [Fact]
    public async Task A_name_that_is_only_a_folder_is_missing_to_head_and_open_read()
    {
        // The API opens a task's source once, without a HEAD: on the local folder a directory must not pass for it.
        var prefix = TestData.UniquePrefix();
        await Store.PutAsync(prefix + "folder.zip/inner.zip", new MemoryStream([1, 2, 3]));
        Assert.Null(await Store.HeadAsync(prefix + "folder.zip"));
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.OpenReadAsync(prefix + "folder.zip"));
        Assert.Equal(prefix + "folder.zip", e.Key);
    }

    [Fact]
    public async Task Random_seeks_return_the_right_bytes_at_one_request_each()
    {
        var key = TestData.UniquePrefix() + "ranged.bin";
        var data = TestData.Bytes(20 * MiB, seed: 3);
        await Store.PutAsync(key, new MemoryStream(data));
        await using var read = await Store.OpenReadAsync(key);
        var random = new Random(42);

        // 40 reads in distinct 500 kB areas, in shuffled order: none is covered by an earlier window.
        foreach (var area in Enumerable.Range(0, 40).OrderBy(_ => random.Next()))
        {
            var offset = (area * 500_000) + random.Next(0, 100_000);
            var length = random.Next(1, 40_000);
            var requestsBefore = read.RequestCount;
            read.Seek(offset, SeekOrigin.Begin);
            var buffer = new byte[length];
            await read.ReadExactlyAsync(buffer);

            Assert.True(data.AsSpan(offset, length).SequenceEqual(buffer), $"bytes differ at offset {offset}");
            Assert.Equal(1, read.RequestCount - requestsBefore);
        }

        // Seeks transfer small ranges, not whole read-ahead windows.
        Assert.True(read.BytesFetched <= 40L * 64 * 1024, $"40 small random reads fetched {read.BytesFetched} bytes");

        // Seeks near each other and reads across window edges still return the right bytes.
        for (var i = 0; i < 200; i++)
        {
            var offset = random.Next(0, data.Length - 1);
            var length = Math.Min(random.Next(1, 300_000), data.Length - offset);
            read.Position = offset;
            var buffer = new byte[length];
            await read.ReadExactlyAsync(buffer);
            Assert.True(data.AsSpan(offset, length).SequenceEqual(buffer), $"bytes differ at offset {offset}");
        }


        read.Seek(-10, SeekOrigin.End);
        var tail = new byte[100];
        Assert.Equal(10, await read.ReadAtLeastAsync(tail, 100, throwOnEndOfStream: false));
        Assert.True(data.AsSpan(data.Length - 10).SequenceEqual(tail.AsSpan(0, 10)));
        Assert.Equal(0, await read.ReadAsync(tail));
    }

    [Fact]
    public async Task Sequential_scan_reads_every_byte_with_few_requests()
    {
        var key = TestData.UniquePrefix() + "sequential.bin";
        var data = TestData.Bytes(23 * MiB + 123, seed: 4);
        await Store.PutAsync(key, new MemoryStream(data));

        await using var read = await Store.OpenReadAsync(key);
        var copy = await TestData.ReadAllAsync(read, bufferSize: 32 * 1024);

        Assert.Equal(TestData.Sha256(data), TestData.Sha256(copy));
        Assert.Equal(data.Length, read.BytesFetched);
        // Read-ahead ramps 64 KiB -> 8 MiB, then 8 MiB windows: about a dozen ranges for 23 MiB, not ~740 reads.
        Assert.InRange(read.RequestCount, 1, 12);
    }

    [Fact]
    public async Task Skipping_forward_while_scanning_keeps_the_read_ahead()
    {
        var key = TestData.UniquePrefix() + "skipping.bin";
        var data = TestData.Bytes(24 * MiB, seed: 6);
        await Store.PutAsync(key, new MemoryStream(data));
        await using var read = await Store.OpenReadAsync(key);

        // Like a reader that takes a header and skips the entry body: read 4 KiB, skip 60 KiB, repeat.
        var header = new byte[4096];
        var checkedHeaders = 0;
        while (read.Position + header.Length <= data.Length)
        {
            var at = (int)read.Position;
            await read.ReadExactlyAsync(header);
            Assert.True(data.AsSpan(at, header.Length).SequenceEqual(header), $"bytes differ at {at}");
            checkedHeaders++;
            read.Seek(60 * 1024, SeekOrigin.Current);
        }

        Assert.Equal(data.Length / (64 * 1024), checkedHeaders);
        if (SeeksAreFree)
        {
            Assert.Equal(checkedHeaders * (long)header.Length, read.BytesFetched); // nothing skipped was read
        }
        else
        {
            Assert.InRange(read.RequestCount, 1, 14); // skips land in the read-ahead instead of restarting it
        }
    }

    [Fact]
    public async Task Synchronous_reads_work_like_async_ones()
    {
        var key = TestData.UniquePrefix() + "sync.bin";
        var data = TestData.Bytes(2 * MiB + 3, seed: 5);
        await Store.PutAsync(key, new MemoryStream(data));
        await using var read = await Store.OpenReadAsync(key);

        using var copy = new MemoryStream();
        read.CopyTo(copy, 10_000);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256(copy.ToArray()));
        read.Position = 1_000_000;
        Assert.Equal(data[1_000_000], (byte)read.ReadByte());
    }

    [Fact]
    public async Task Listing_pages_past_1000_keys_in_key_order()
    {
        var prefix = TestData.UniquePrefix();
        var keys = Enumerable.Range(0, 1100).Select(i => $"{prefix}k{i:D5}-{(i * 7919) % 1000}").ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (key, ct) =>
            await Store.PutAsync(key, new MemoryStream(Encoding.UTF8.GetBytes(key)), ct));
        await Store.PutAsync(TestData.UniquePrefix() + "outside-the-prefix", new MemoryStream([1]));

        var listed = new List<ObjectInfo>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Store.ListAsync(prefix, token);
            Assert.True(page.Objects.Count <= 1000);
            listed.AddRange(page.Objects);
            token = page.NextContinuationToken;
            pages++;
        }
        while (token is not null && pages < 10);

        Assert.Equal(2, pages);
        Assert.Equal(keys.OrderBy(k => k, StringComparer.Ordinal), listed.Select(o => o.Key));
        Assert.All(listed, o => Assert.Equal(Encoding.UTF8.GetByteCount(o.Key), o.Size));
    }

    [Fact]
    public async Task Listing_with_small_pages_continues_after_the_last_key()
    {
        var prefix = TestData.UniquePrefix();
        string[] keys = [$"{prefix}a/1", $"{prefix}a/2", $"{prefix}a/3/x", $"{prefix}b", $"{prefix}ab"];
        foreach (var key in keys)
        {
            await Store.PutAsync(key, new MemoryStream([1, 2]));
        }

        var first = await Store.ListAsync(prefix + "a", maxKeys: 2);
        Assert.Equal([$"{prefix}a/1", $"{prefix}a/2"], first.Objects.Select(o => o.Key));
        Assert.True(first.IsTruncated);
        var second = await Store.ListAsync(prefix + "a", first.NextContinuationToken, maxKeys: 2);
        Assert.Equal([$"{prefix}a/3/x", $"{prefix}ab"], second.Objects.Select(o => o.Key));
        var rest = second.IsTruncated ? await Store.ListAsync(prefix + "a", second.NextContinuationToken, maxKeys: 2) : null;
        Assert.True(rest is null || rest.Objects.Count == 0);
        Assert.False(rest?.IsTruncated ?? false);

        var folder = await Store.ListAsync(prefix + "a/");
        Assert.Equal([$"{prefix}a/1", $"{prefix}a/2", $"{prefix}a/3/x"], folder.Objects.Select(o => o.Key));
        Assert.Empty((await Store.ListAsync(prefix + "zzz")).Objects);
    }

    [Fact]
    public async Task Multipart_initiate_upload_complete_assembles_parts_in_order()
    {
        var key = TestData.UniquePrefix() + "multipart.bin";
        var part1 = TestData.Bytes(5 * MiB, seed: 6);
        var part2 = TestData.Bytes(5 * MiB, seed: 7);
        var part3 = TestData.Bytes(1 * MiB + 11, seed: 8);

        var uploadId = await Store.InitiateMultipartAsync(key);
        // Out of order and through both seekable and forward-only bodies.
        var e3 = await Store.UploadPartAsync(key, uploadId, 3, new NonSeekableStream(part3), part3.Length);
        var e1 = await Store.UploadPartAsync(key, uploadId, 1, new MemoryStream(part1), part1.Length);
        var e2 = await Store.UploadPartAsync(key, uploadId, 2, new NonSeekableStream(part2), part2.Length);
        Assert.Equal(TestData.Md5(part1), e1);
        Assert.Equal(TestData.Md5(part3), e3);
        Assert.Null(await Store.HeadAsync(key));

        var info = await Store.CompleteMultipartAsync(key, uploadId, [new(1, e1), new(2, e2), new(3, e3)]);

        var whole = part1.Concat(part2).Concat(part3).ToArray();
        Assert.Equal(whole.Length, info.Size);
        Assert.Equal(ExpectedMultipartETag(part1, part2, part3), info.ETag);

        await using var read = await Store.OpenReadAsync(key);
        Assert.Equal(TestData.Sha256(whole), TestData.Sha256(await TestData.ReadAllAsync(read)));
    }

    [Fact]
    public async Task Multipart_abort_leaves_no_object()
    {
        var key = TestData.UniquePrefix() + "aborted.bin";
        var uploadId = await Store.InitiateMultipartAsync(key);
        await Store.UploadPartAsync(key, uploadId, 1, new MemoryStream(TestData.Bytes(MiB, 9)), MiB);

        await Store.AbortMultipartAsync(key, uploadId);

        Assert.Null(await Store.HeadAsync(key));
        Assert.Empty((await Store.ListAsync(key)).Objects);
    }

    [Fact]
    public async Task Streaming_write_larger_than_the_part_size_goes_multipart_with_bounded_parts()
    {
        var key = TestData.UniquePrefix() + "streamed.bin";
        var data = TestData.Bytes(23 * MiB, seed: 10);
        var options = new WriteOptions { PartSizeBytes = 5 * MiB, MaxPartsInFlight = 3, ContentType = "application/octet-stream" };

        ObjectInfo info;
        await using (var write = Store.OpenWrite(key, options))
        {
            // Irregular write sizes straddle part boundaries.
            var random = new Random(11);
            for (var offset = 0; offset < data.Length;)
            {
                var n = Math.Min(random.Next(1, 3 * MiB), data.Length - offset);
                if (random.Next(2) == 0)
                {
                    await write.WriteAsync(data.AsMemory(offset, n));
                }
                else
                {
                    write.Write(data, offset, n);
                }

                offset += n;
            }

            Assert.Null(await Store.HeadAsync(key));
            info = await write.CompleteAsync();
        }

        Assert.Equal(data.Length, info.Size);
        var head = await Store.HeadAsync(key);
        Assert.Equal(data.Length, head!.Size);
        AssertStreamedETag(data, info.ETag);
        Assert.Equal(info.ETag, head.ETag);
        Assert.Equal("application/octet-stream", head.ContentType);

        await using var read = await Store.OpenReadAsync(key);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256(await TestData.ReadAllAsync(read)));
    }

    [Fact]
    public async Task Streaming_write_smaller_than_a_part_round_trips()
    {
        var key = TestData.UniquePrefix() + "small-streamed.txt";
        var data = TestData.Bytes(100_000, seed: 12);
        await using var write = Store.OpenWrite(key, new WriteOptions { PartSizeBytes = 5 * MiB, ContentType = "text/plain" });
        await write.WriteAsync(data);
        var info = await write.CompleteAsync();

        AssertStreamedETag(data, info.ETag);
        var head = await Store.HeadAsync(key);
        Assert.Equal(info.ETag, head!.ETag);
        Assert.Equal("text/plain", head.ContentType);
        Assert.Equal(data.Length, info.Size);
        await using var read = await Store.OpenReadAsync(key);
        Assert.Equal(data, await TestData.ReadAllAsync(read));
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(12 * MiB)]
    public async Task Write_disposed_without_complete_leaves_nothing_and_keeps_the_previous_object(int size)
    {
        var prefix = TestData.UniquePrefix();
        var fresh = prefix + "never-completed.bin";
        var existing = prefix + "existing.bin";
        var previous = TestData.Bytes(1000, seed: 13);
        await Store.PutAsync(existing, new MemoryStream(previous));

        foreach (var key in new[] { fresh, existing })
        {
            await using var write = Store.OpenWrite(key, new WriteOptions { PartSizeBytes = 5 * MiB, MaxPartsInFlight = 2 });
            await write.WriteAsync(TestData.Bytes(size, seed: 14));
        }

        Assert.Null(await Store.HeadAsync(fresh));
        Assert.Equal([existing], (await Store.ListAsync(prefix)).Objects.Select(o => o.Key));
        await using var read = await Store.OpenReadAsync(existing);
        Assert.Equal(previous, await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task Delete_removes_and_deleting_a_missing_object_is_not_an_error()
    {
        var key = TestData.UniquePrefix() + "doomed";
        await Store.PutAsync(key, new MemoryStream([1, 2, 3]));

        await Store.DeleteAsync(key);
        await Store.DeleteAsync(key);

        Assert.Null(await Store.HeadAsync(key));
    }

    [Fact]
    public async Task Copy_duplicates_the_bytes_and_keeps_the_source()
    {
        var prefix = TestData.UniquePrefix();
        var data = TestData.Bytes(6 * MiB + 1, seed: 15);
        await Store.PutAsync(prefix + "source.bin", new MemoryStream(data));

        await Store.CopyAsync(prefix + "source.bin", prefix + "copy/target.bin");
        await Store.CopyAsync(prefix + "source.bin", prefix + "copy/target.bin"); // overwrite is fine

        foreach (var key in new[] { prefix + "source.bin", prefix + "copy/target.bin" })
        {
            await using var read = await Store.OpenReadAsync(key);
            Assert.Equal(TestData.Sha256(data), TestData.Sha256(await TestData.ReadAllAsync(read)));
        }

        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.CopyAsync(prefix + "nope", prefix + "x"));
    }

    [Fact]
    public async Task Overwrite_replaces_the_object()
    {
        var key = TestData.UniquePrefix() + "overwritten";
        await Store.PutAsync(key, new MemoryStream(TestData.Bytes(5000, 16)));
        var second = TestData.Bytes(300, 17);
        await Store.PutAsync(key, new MemoryStream(second));
        await using var read = await Store.OpenReadAsync(key);
        Assert.Equal(second, await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task Concurrent_streams_on_one_store_do_not_interfere()
    {
        var prefix = TestData.UniquePrefix();
        var results = new ConcurrentDictionary<int, string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 6), async (i, ct) =>
        {
            var data = TestData.Bytes((i + 1) * MiB + i, seed: 100 + i);
            await using (var write = Store.OpenWrite($"{prefix}{i}", new WriteOptions { PartSizeBytes = 5 * MiB }))
            {
                await write.WriteAsync(data, ct);
                await write.CompleteAsync(ct);
            }

            await using var read = await Store.OpenReadAsync($"{prefix}{i}", cancellationToken: ct);
            results[i] = TestData.Sha256(await TestData.ReadAllAsync(read)) == TestData.Sha256(data) ? "ok" : "differs";
        });
        Assert.All(results.Values, r => Assert.Equal("ok", r));
        Assert.Equal(6, results.Count);
    }

    /// <summary>S3's rule for multipart ETags: MD5 of the concatenated part MD5s, dash, part count.</summary>
    protected static string Md5OfPartMd5s(params byte[][] parts)
    {
        var md5s = parts.SelectMany(p => System.Security.Cryptography.MD5.HashData(p)).ToArray();
        return TestData.Md5(md5s) + "-" + parts.Length;
    }
}
