using System.IO.Compression;
using Orleans.Media.Archives.Tests.Support;
using Orleans.Media.Storage;

namespace Orleans.Media.Archives.Tests;

/// <summary>
/// Large entries (over <see cref="ExtractionOptions.LargeUploadBytes"/>) upload at most
/// <see cref="ExtractionOptions.MaxLargeUploadsInFlight"/> at once on both the parallel zip and the sequential path
/// (an S3 write buffers a part per entry), and the slots never deadlock the in-order completion of parallel zip.
/// </summary>
public sealed class LargeUploadTests
{
    [Theory]
    [InlineData(4, 2)]
    [InlineData(1, 1)]
    public async Task Large_entries_upload_at_most_the_configured_number_at_once(int decodeThreads, int maxLarge)
    {
        using var h = new ArchiveHarness();
        var archive = Path.Combine(h.Work, "large.zip");
        var rng = new Random(3);
        using (var zip = ZipFile.Open(archive, ZipArchiveMode.Create))
        {
            var block = new byte[3 * 1024 * 1024];
            for (var i = 0; i < 10; i++)
            {
                rng.NextBytes(block);
                await using (var s = zip.CreateEntry($"large-{i:00}.bin", CompressionLevel.NoCompression).Open())
                {
                    await s.WriteAsync(block);
                }

                await using (var s = zip.CreateEntry($"small-{i:00}.txt", CompressionLevel.Fastest).Open())
                {
                    await s.WriteAsync(System.Text.Encoding.UTF8.GetBytes($"small entry {i}"));
                }
            }
        }

        // Each large write is held open until one more large write than allowed is open at once, or a while passes:
        // with the limit working the most ever open is the limit, without it more pile up at once.
        var store = new CountingStore(h.Storage.GetBucket("out"), key => key.Contains("large-", StringComparison.Ordinal), maxLarge + 1);
        await using var source = File.OpenRead(archive);
        var result = await h.Extractor.ExtractAsync(
            source,
            new ExtractionTarget(store, ObjectUri.Parse("oss://out/x/")),
            new ExtractionOptions { MaxDecodeThreads = decodeThreads, MaxLargeUploadsInFlight = maxLarge, ParallelZipMinBytes = 0 });

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(decodeThreads > 1 ? ArchiveDecoder.ParallelZip : ArchiveDecoder.LibArchive, result.Decoder);
        Assert.Equal(h.BsdtarHashes(archive), h.OutputHashes());
        Assert.InRange(store.MostOpen, 1, maxLarge);
    }

    /// <summary>The real store, counting how many matching writes are open at once.</summary>
    private sealed class CountingStore(IObjectStore inner, Func<string, bool> counts, int release) : IObjectStore
    {
        private readonly Lock _lock = new();
        private readonly TaskCompletionSource _crowded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _open;

        public int MostOpen { get; private set; }

        public string Bucket => inner.Bucket;

        public ObjectWriteStream OpenWrite(string key, WriteOptions? options = null)
        {
            var stream = inner.OpenWrite(key, options);
            if (!counts(key))
            {
                return stream;
            }

            lock (_lock)
            {
                MostOpen = Math.Max(MostOpen, ++_open);
                if (_open >= release)
                {
                    _crowded.TrySetResult();
                }
            }

            return new CountedWrite(stream, this);
        }

        private async Task HoldAsync() => await Task.WhenAny(_crowded.Task, Task.Delay(TimeSpan.FromMilliseconds(300))).ConfigureAwait(false);

        private void Closed()
        {
            lock (_lock)
            {
                _open--;
            }
        }

        public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default) => inner.HeadAsync(key, cancellationToken);

        public Task<ObjectListing> ListAsync(string prefix, string? continuationToken = null, int maxKeys = 1000, CancellationToken cancellationToken = default) =>
            inner.ListAsync(prefix, continuationToken, maxKeys, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public Task CopyAsync(string sourceKey, string targetKey, CancellationToken cancellationToken = default) => inner.CopyAsync(sourceKey, targetKey, cancellationToken);

        public Task<ObjectReadStream> OpenReadAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default) =>
            inner.OpenReadAsync(key, options, cancellationToken);

        public Task<ObjectInfo> PutAsync(string key, Stream content, CancellationToken cancellationToken = default) => inner.PutAsync(key, content, cancellationToken);

        public Task<ObjectInfo> PutAsync(string key, Stream content, long length, string? contentType, CancellationToken cancellationToken = default) =>
            inner.PutAsync(key, content, length, contentType, cancellationToken);

        public Task<string> InitiateMultipartAsync(string key, CancellationToken cancellationToken = default) => inner.InitiateMultipartAsync(key, cancellationToken);

        public Task<string> UploadPartAsync(string key, string uploadId, int partNumber, Stream content, long length, CancellationToken cancellationToken = default) =>
            inner.UploadPartAsync(key, uploadId, partNumber, content, length, cancellationToken);

        public Task<ObjectInfo> CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<CompletedPart> parts, CancellationToken cancellationToken = default) =>
            inner.CompleteMultipartAsync(key, uploadId, parts, cancellationToken);

        public Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default) => inner.AbortMultipartAsync(key, uploadId, cancellationToken);

        public Task<IReadOnlyList<UploadedPart>> ListPartsAsync(string key, string uploadId, CancellationToken cancellationToken = default) =>
            inner.ListPartsAsync(key, uploadId, cancellationToken);

        public Uri Presign(PresignRequest request) => inner.Presign(request);

        private sealed class CountedWrite(ObjectWriteStream inner, CountingStore owner) : ObjectWriteStream
        {
            private bool _closed;

            public override async Task<ObjectInfo> CompleteAsync(CancellationToken cancellationToken = default)
            {
                await owner.HoldAsync().ConfigureAwait(false);
                return await inner.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }

            public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

            public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

            public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

            public override void Flush() => inner.Flush();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    Close(inner.Dispose);
                }

                base.Dispose(disposing);
            }

            public override async ValueTask DisposeAsync()
            {
                if (!_closed)
                {
                    _closed = true;
                    await inner.DisposeAsync().ConfigureAwait(false);
                    owner.Closed();
                }

                await base.DisposeAsync().ConfigureAwait(false);
            }

            private void Close(Action dispose)
            {
                if (!_closed)
                {
                    _closed = true;
                    dispose();
                    owner.Closed();
                }
            }
        }
    }
}
