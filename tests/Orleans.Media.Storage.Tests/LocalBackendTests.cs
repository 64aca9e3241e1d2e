using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Media.Storage.Local;

namespace Orleans.Media.Storage.Tests;

/// <summary>Behaviour specific to folders: atomic visibility, hidden temp files, user-dropped files, folder markers.</summary>
public sealed partial class LocalBackendTests : IClassFixture<LocalBucketFixture>
{
    private readonly LocalBucketFixture _bucket;

    public LocalBackendTests(LocalBucketFixture bucket) => _bucket = bucket;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_write_in_progress_is_invisible_to_head_list_and_the_target_path(bool unnamedFiles)
    {
        var store = StoreOverTheSameFolder(unnamedFiles);
        var prefix = TestData.UniquePrefix();
        var key = prefix + "in-progress.bin";
        await using var write = store.OpenWrite(key);
        await write.WriteAsync(TestData.Bytes(1_000_000, 1));
        await write.FlushAsync();

        Assert.Null(await store.HeadAsync(key));
        Assert.Empty((await store.ListAsync(prefix)).Objects);
        Assert.DoesNotContain((await store.ListAsync(string.Empty)).Objects, o => o.Key.StartsWith(".om-tmp", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(_bucket.Root, key)));
        var staged = StagedFiles();
        if (unnamedFiles)
        {
            // The data is on disk in a file without a name in the object's folder: nothing to see, nothing to sweep.
            Assert.Empty(staged);
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_bucket.Root, prefix)));
            Assert.Contains(OpenFileTargets(), t => t.StartsWith(Path.Combine(_bucket.Root, prefix.TrimEnd('/')) + "/#", StringComparison.Ordinal) && t.EndsWith("(deleted)", StringComparison.Ordinal));
        }
        else
        {
            Assert.Contains(staged, f => new FileInfo(f).Length == 1_000_000);
        }

        await write.CompleteAsync();
        Assert.Equal(1_000_000, new FileInfo(Path.Combine(_bucket.Root, key)).Length);
        Assert.Empty(StagedFiles());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_abandoned_write_leaves_no_file_anywhere_in_the_bucket(bool unnamedFiles)
    {
        var store = StoreOverTheSameFolder(unnamedFiles);
        var prefix = TestData.UniquePrefix();
        await store.PutAsync(prefix + "existing", new MemoryStream([7]));
        foreach (var size in new[] { 10, 1_000_000 })
        {
            await using (var write = store.OpenWrite(prefix + "abandoned-" + size))
            {
                await write.WriteAsync(TestData.Bytes(size, 9));
            }

            await using (var write = store.OpenWrite(prefix + "existing"))
            {
                await write.WriteAsync(TestData.Bytes(size, 9));
            }
        }

        Assert.Equal([prefix + "existing"], Directory.GetFiles(Path.Combine(_bucket.Root, prefix)).Select(f => prefix + Path.GetFileName(f)));
        Assert.Equal([7], await File.ReadAllBytesAsync(Path.Combine(_bucket.Root, prefix, "existing")));
        Assert.Empty(StagedFiles());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Replacing_an_object_is_atomic_and_leaves_no_temp_file(bool unnamedFiles)
    {
        var store = StoreOverTheSameFolder(unnamedFiles);
        var key = TestData.UniquePrefix() + "replaced.bin";
        var first = TestData.Bytes(300_000, 10);
        var second = TestData.Bytes(5_000, 11);
        var firstInfo = await store.PutAsync(key, new MemoryStream(first));
        await using var reader = await store.OpenReadAsync(key);

        await using (var write = store.OpenWrite(key))
        {
            await write.WriteAsync(second);
            Assert.Equal(first, await File.ReadAllBytesAsync(Path.Combine(_bucket.Root, key))); // not yet replaced
            var info = await write.CompleteAsync();
            Assert.NotEqual(firstInfo.ETag, info.ETag);
            Assert.Equal(info.ETag, (await store.HeadAsync(key))!.ETag);
        }

        Assert.Equal(second, await File.ReadAllBytesAsync(Path.Combine(_bucket.Root, key)));
        Assert.Equal(first, await TestData.ReadAllAsync(reader)); // the reader keeps the version it opened
        Assert.Empty(StagedFiles());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_folder_removed_between_writes_is_made_again(bool unnamedFiles)
    {
        var store = StoreOverTheSameFolder(unnamedFiles);
        var prefix = TestData.UniquePrefix();
        await store.PutAsync(prefix + "a/b/1", new MemoryStream([1]));
        Directory.Delete(Path.Combine(_bucket.Root, prefix, "a"), recursive: true);

        await using (var write = store.OpenWrite(prefix + "a/b/2"))
        {
            await write.WriteAsync(new byte[] { 2 });
            await write.CompleteAsync();
        }

        Assert.Equal([2], await File.ReadAllBytesAsync(Path.Combine(_bucket.Root, prefix, "a", "b", "2")));

        // A key whose place is taken by a folder fails, and nothing is left behind.
        Directory.CreateDirectory(Path.Combine(_bucket.Root, prefix, "taken", "inside"));
        await using (var write = store.OpenWrite(prefix + "taken"))
        {
            await write.WriteAsync(new byte[] { 3 });
            await Assert.ThrowsAnyAsync<IOException>(() => write.CompleteAsync());
        }

        Assert.True(Directory.Exists(Path.Combine(_bucket.Root, prefix, "taken", "inside")));
        Assert.Empty(StagedFiles());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Concurrent_small_writes_land_whole_with_distinct_etags(bool unnamedFiles)
    {
        // The extraction pattern: many writers, many small objects spread over a few folders.
        var store = StoreOverTheSameFolder(unnamedFiles);
        var prefix = TestData.UniquePrefix();
        var written = new ConcurrentDictionary<string, (byte[] Data, string? ETag)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 400), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var key = $"{prefix}d{i % 7}/f{i}.txt";
            var data = TestData.Bytes(i * 37 % 5_000, i); // includes an empty object
            await using var write = store.OpenWrite(key);
            await write.WriteAsync(data, ct);
            var info = await write.CompleteAsync(ct);
            Assert.Equal(data.Length, info.Size);
            written[key] = (data, info.ETag);
        });

        Assert.Equal(400, written.Values.Select(v => v.ETag).Distinct().Count());
        foreach (var (key, (data, etag)) in written)
        {
            Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_bucket.Root, key)));
            var head = await store.HeadAsync(key);
            Assert.Equal(etag, head!.ETag);
        }

        Assert.Empty(StagedFiles());
    }

    [Fact]
    public async Task Object_attributes_stay_small_and_the_earlier_format_is_still_read()
    {
        var prefix = TestData.UniquePrefix();
        await using (var write = _bucket.Store.OpenWrite(prefix + "extracted.txt"))
        {
            await write.WriteAsync(TestData.Bytes(3_000, 12));
            await write.CompleteAsync();
        }

        // An extracted file's attribute must fit in an ext4 inode's spare space (no extra 4 KiB block per object).
        var path = Path.Combine(_bucket.Root, prefix, "extracted.txt");
        Assert.InRange(XattrLength(path, "user.om"), 40, 68);

        // Objects written before the compact format: decimal numbers under the old name.
        var old = Path.Combine(_bucket.Root, prefix, "old.bin");
        await File.WriteAllBytesAsync(old, [1, 2, 3]);
        var info = new FileInfo(old);
        var value = $"0123456789abcdef0123456789abcdef|3|{info.LastWriteTimeUtc.Ticks}|text/plain";
        Assert.Equal(0, SetXattr(old, "user.orleansmedia.object", Encoding.UTF8.GetBytes(value), (nuint)Encoding.UTF8.GetByteCount(value), 0));
        var head = await _bucket.Store.HeadAsync(prefix + "old.bin");
        Assert.Equal("0123456789abcdef0123456789abcdef", head!.ETag);
        Assert.Equal("text/plain", head.ContentType);
    }

    [Fact]
    public async Task A_reader_keeps_the_version_it_opened_when_the_object_is_replaced()
    {
        var key = TestData.UniquePrefix() + "versioned";
        var first = TestData.Bytes(200_000, 2);
        await _bucket.Store.PutAsync(key, new MemoryStream(first));
        await using var read = await _bucket.Store.OpenReadAsync(key);

        await _bucket.Store.PutAsync(key, new MemoryStream(TestData.Bytes(50, 3)));

        Assert.Equal(first, await TestData.ReadAllAsync(read));
    }

    [Fact]
    public async Task A_file_dropped_into_the_folder_is_an_object_with_its_path_as_key()
    {
        var dir = Path.Combine(_bucket.Root, "dropped", "sub");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "by-hand.txt"), "hello");

        var head = await _bucket.Store.HeadAsync("dropped/sub/by-hand.txt");
        Assert.NotNull(head);
        Assert.Equal(5, head.Size);
        Assert.Null(head.ETag); // never computed: null rather than a guess
        Assert.Equal(["dropped/sub/by-hand.txt"], (await _bucket.Store.ListAsync("dropped/")).Objects.Select(o => o.Key));
        await using var read = await _bucket.Store.OpenReadAsync("dropped/sub/by-hand.txt");
        Assert.Equal("hello", Encoding.UTF8.GetString(await TestData.ReadAllAsync(read)));
    }

    [Fact]
    public async Task A_file_changed_behind_the_stores_back_loses_its_etag()
    {
        var key = TestData.UniquePrefix() + "changed";
        var put = await _bucket.Store.PutAsync(key, new MemoryStream(TestData.Bytes(1000, 4)));
        Assert.Equal(put.ETag, (await _bucket.Store.HeadAsync(key))!.ETag);

        await File.AppendAllTextAsync(Path.Combine(_bucket.Root, key), "tampered");

        Assert.Null((await _bucket.Store.HeadAsync(key))!.ETag);
    }

    [Fact]
    public async Task A_folder_marker_key_creates_an_empty_folder_listed_as_the_marker()
    {
        var prefix = TestData.UniquePrefix();
        await _bucket.Store.PutAsync(prefix + "empty-dir/", new MemoryStream());
        await _bucket.Store.PutAsync(prefix + "full-dir/file", new MemoryStream([1]));

        Assert.True(Directory.Exists(Path.Combine(_bucket.Root, prefix, "empty-dir")));
        Assert.NotNull(await _bucket.Store.HeadAsync(prefix + "empty-dir/"));
        Assert.Equal([prefix + "empty-dir/", prefix + "full-dir/file"], (await _bucket.Store.ListAsync(prefix)).Objects.Select(o => o.Key));
        await using var write = _bucket.Store.OpenWrite(prefix + "marker/");
        Assert.Throws<InvalidOperationException>(() => write.Write([1], 0, 1));

        await _bucket.Store.DeleteAsync(prefix + "empty-dir/");
        Assert.False(Directory.Exists(Path.Combine(_bucket.Root, prefix, "empty-dir")));
    }

    [Fact]
    public async Task Multipart_parts_are_staged_in_the_temp_folder_and_removed_on_complete_and_abort()
    {
        var key = TestData.UniquePrefix() + "mpu";
        var mpu = Path.Combine(_bucket.Root, ".om-tmp", "mpu");
        var completed = await _bucket.Store.InitiateMultipartAsync(key);
        var etag = await _bucket.Store.UploadPartAsync(key, completed, 1, new MemoryStream([1, 2, 3]), 3);
        Assert.True(Directory.Exists(Path.Combine(mpu, completed)));
        await _bucket.Store.CompleteMultipartAsync(key, completed, [new(1, etag)]);
        Assert.False(Directory.Exists(Path.Combine(mpu, completed)));

        var aborted = await _bucket.Store.InitiateMultipartAsync(key);
        await _bucket.Store.UploadPartAsync(key, aborted, 1, new MemoryStream([1]), 1);
        await _bucket.Store.AbortMultipartAsync(key, aborted);
        Assert.False(Directory.Exists(Path.Combine(mpu, aborted)));

        // Unknown uploads, wrong keys, wrong ETags and bad order are refused.
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => _bucket.Store.UploadPartAsync(key, aborted, 1, new MemoryStream([1]), 1));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => _bucket.Store.UploadPartAsync(key, "../../etc", 1, new MemoryStream([1]), 1));
        var other = await _bucket.Store.InitiateMultipartAsync(key);
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => _bucket.Store.UploadPartAsync(key + "-other", other, 1, new MemoryStream([1]), 1));
        var e1 = await _bucket.Store.UploadPartAsync(key, other, 1, new MemoryStream([1]), 1);
        var e2 = await _bucket.Store.UploadPartAsync(key, other, 2, new MemoryStream([2]), 1);
        await Assert.ThrowsAsync<Uploads.IncompleteUploadException>(() => _bucket.Store.CompleteMultipartAsync(key, other, [new(1, e2), new(2, e2)]));
        await Assert.ThrowsAsync<ArgumentException>(() => _bucket.Store.CompleteMultipartAsync(key, other, [new(2, e2), new(1, e1)]));
        await Assert.ThrowsAsync<IOException>(() => _bucket.Store.UploadPartAsync(key, other, 3, new MemoryStream([1]), 2));
    }

    [Fact]
    public async Task Declared_size_parts_from_a_pipe_are_hashed_only_for_a_content_md5_and_assemble_hash_equal()
    {
        var key = TestData.UniquePrefix() + "piped.bin";
        const int partSize = 5 * 1024 * 1024;
        var part1 = TestData.Bytes(partSize, seed: 21);
        var part2 = TestData.Bytes(partSize, seed: 22);
        var part3 = TestData.Bytes(777_777, seed: 23);
        var uploadId = await _bucket.Store.InitiateMultipartAsync(key, partSize);

        // No Content-MD5: an opaque ETag (32 hex digits, not the MD5), unique to the write.
        var e1 = await _bucket.Store.UploadPartAsync(key, uploadId, 1, await Pipe(part1), part1.Length, contentMd5: null);
        Assert.Matches("^[0-9a-f]{32}$", e1);
        Assert.NotEqual(TestData.Md5(part1), e1);
        var again = await _bucket.Store.UploadPartAsync(key, uploadId, 1, await Pipe(part1), part1.Length, contentMd5: null);
        Assert.NotEqual(e1, again);

        // A Content-MD5 that matches: the ETag is the MD5 (hashed in the same pass as the write).
        var e3 = await _bucket.Store.UploadPartAsync(key, uploadId, 3, await Pipe(part3), part3.Length, ContentMd5.Of(part3));
        Assert.Equal(TestData.Md5(part3), e3);

        // One that does not: refused, and the part is not there (nor listed) until sent right.
        await Assert.ThrowsAsync<ContentDigestMismatchException>(async () =>
            await _bucket.Store.UploadPartAsync(key, uploadId, 2, await Pipe(part2), part2.Length, ContentMd5.Of(part1)));
        Assert.Equal([1, 3], (await _bucket.Store.ListPartsAsync(key, uploadId)).Select(p => p.PartNumber));
        // Unknown length (chunked), in small pieces across many pipe segments.
        var e2 = await _bucket.Store.UploadPartAsync(key, uploadId, 2, await Pipe(part2, chunk: 3_001), -1, contentMd5: null);

        var info = await _bucket.Store.CompleteMultipartAsync(key, uploadId, [new(1, again), new(2, e2), new(3, e3)]);

        var whole = part1.Concat(part2).Concat(part3).ToArray();
        Assert.Equal(whole.Length, info.Size);
        Assert.Matches("^[0-9a-f]{32}-3$", info.ETag);
        Assert.Equal(TestData.Sha256(whole), TestData.Sha256(await File.ReadAllBytesAsync(Path.Combine(_bucket.Root, key))));

        // A body longer than the part size is refused while it streams.
        var next = await _bucket.Store.InitiateMultipartAsync(key, partSize);
        await Assert.ThrowsAsync<IOException>(async () =>
            await _bucket.Store.UploadPartAsync(key, next, 1, await Pipe(TestData.Bytes(partSize + 1, seed: 24)), -1, contentMd5: null));
        Assert.Empty(await _bucket.Store.ListPartsAsync(key, next));
    }

    [Fact]
    public async Task A_declared_upload_reserves_its_size_at_start_and_one_the_disk_cannot_hold_fails_there()
    {
        var key = TestData.UniquePrefix() + "reserved.bin";
        var mpu = Path.Combine(_bucket.Root, ".om-tmp", "mpu");
        var uploadId = await _bucket.Store.InitiateMultipartAsync(key, 5 * 1024 * 1024, 64L * 1024 * 1024);
        var assembly = new FileInfo(Path.Combine(mpu, uploadId, "assembly"));
        Assert.Equal(0, assembly.Length); // reserved, not yet written: the length comes at completion

        var before = Directory.Exists(mpu) ? Directory.GetDirectories(mpu).Length : 0;
        await Assert.ThrowsAnyAsync<IOException>(() => _bucket.Store.InitiateMultipartAsync(key, 5 * 1024 * 1024, 1L << 50));
        Assert.Equal(before, Directory.GetDirectories(mpu).Length);
    }

    /// <summary>A pipe holding <paramref name="data"/>, written in <paramref name="chunk"/>-byte pieces, then completed.</summary>
    private static async Task<System.IO.Pipelines.PipeReader> Pipe(byte[] data, int chunk = 64 * 1024)
    {
        var pipe = new System.IO.Pipelines.Pipe(new System.IO.Pipelines.PipeOptions(pauseWriterThreshold: 0));
        for (var offset = 0; offset < data.Length; offset += chunk)
        {
            var span = data.AsSpan(offset, Math.Min(chunk, data.Length - offset));
            span.CopyTo(pipe.Writer.GetSpan(span.Length));
            pipe.Writer.Advance(span.Length);
            await pipe.Writer.FlushAsync(); // never pauses: no threshold
        }

        await pipe.Writer.CompleteAsync();
        return pipe.Reader;
    }

    [Fact]
    public async Task Leftovers_of_dead_writers_are_swept_by_age_and_live_ones_kept()
    {
        var temp = Path.Combine(_bucket.Root, ".om-tmp");
        Directory.CreateDirectory(temp);
        var deadFile = Path.Combine(temp, Guid.NewGuid().ToString("N") + ".tmp");
        await File.WriteAllTextAsync(deadFile, "x");
        File.SetLastWriteTimeUtc(deadFile, DateTime.UtcNow.AddDays(-2));
        var deadUpload = await _bucket.Store.InitiateMultipartAsync("dead-upload");
        await _bucket.Store.UploadPartAsync("dead-upload", deadUpload, 1, new MemoryStream([1]), 1);
        foreach (var f in Directory.GetFiles(Path.Combine(temp, "mpu", deadUpload)))
        {
            File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddDays(-8));
        }

        var liveUpload = await _bucket.Store.InitiateMultipartAsync("live-upload");
        await using var liveWrite = _bucket.Store.OpenWrite("live-write");
        await liveWrite.WriteAsync(new byte[10]);

        _bucket.Store.SweepStaleTemp(DateTime.UtcNow);

        Assert.False(File.Exists(deadFile));
        Assert.False(Directory.Exists(Path.Combine(temp, "mpu", deadUpload)));
        Assert.True(Directory.Exists(Path.Combine(temp, "mpu", liveUpload)));
        await liveWrite.CompleteAsync();
        Assert.Equal(10, (await _bucket.Store.HeadAsync("live-write"))!.Size);
    }

    [Fact]
    public async Task A_failed_completion_leaves_the_upload_completable()
    {
        var prefix = TestData.UniquePrefix();
        var key = prefix + "blocked/target.bin";
        var part1 = TestData.Bytes(300_000, 5);
        var part2 = TestData.Bytes(200_000, 6);
        var uploadId = await _bucket.Store.InitiateMultipartAsync(key);
        var e1 = await _bucket.Store.UploadPartAsync(key, uploadId, 1, new MemoryStream(part1), part1.Length);
        var e2 = await _bucket.Store.UploadPartAsync(key, uploadId, 2, new MemoryStream(part2), part2.Length);

        // The target is a folder with content: the final rename fails.
        Directory.CreateDirectory(Path.Combine(_bucket.Root, prefix, "blocked", "target.bin", "inside"));
        await Assert.ThrowsAnyAsync<IOException>(() => _bucket.Store.CompleteMultipartAsync(key, uploadId, [new(1, e1), new(2, e2)]));

        Directory.Delete(Path.Combine(_bucket.Root, prefix, "blocked", "target.bin"), recursive: true);
        var info = await _bucket.Store.CompleteMultipartAsync(key, uploadId, [new(1, e1), new(2, e2)]);

        Assert.Equal(part1.Length + part2.Length, info.Size);
        await using var read = await _bucket.Store.OpenReadAsync(key);
        Assert.Equal(part1.Concat(part2).ToArray(), await TestData.ReadAllAsync(read));
    }

    private LocalObjectStore StoreOverTheSameFolder(bool unnamedFiles)
    {
        var store = new LocalObjectStore("local", _bucket.Root, null, null, NullLogger.Instance) { UseUnnamedFiles = unnamedFiles };
        Assert.Equal(unnamedFiles, store.UseUnnamedFiles); // the machine running the tests must offer O_TMPFILE
        return store;
    }

    /// <summary>Files in the temp folder (other than multipart uploads in progress).</summary>
    private string[] StagedFiles()
    {
        var temp = Path.Combine(_bucket.Root, ".om-tmp");
        return Directory.Exists(temp) ? Directory.GetFiles(temp) : [];
    }

    private static IEnumerable<string> OpenFileTargets() =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Select(f => f.LinkTarget).OfType<string>().ToList();

    private static unsafe int XattrLength(string path, string name) => (int)GetXattr(path, name, null, 0);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "getxattr", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static unsafe partial nint GetXattr(string path, string name, byte* value, nuint size);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "setxattr", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial int SetXattr(string path, string name, byte[] value, nuint size, int flags);
}
