using System.Collections.Concurrent;
using Amazon.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Media.Storage.S3;

namespace Orleans.Media.Storage.Tests;

/// <summary>
/// The S3 store against s3rver with the requests observed on the wire (a counting handler in front of the real
/// HTTP stack): parts really overlap, never beyond MaxPartsInFlight, and bodies are never sent aws-chunked.
/// </summary>
public sealed class S3WireTests : IClassFixture<S3BucketFixture>
{
    private readonly S3BucketFixture _bucket;

    public S3WireTests(S3BucketFixture bucket) => _bucket = bucket;

    [Fact]
    public async Task A_streaming_write_keeps_several_parts_in_flight_but_never_more_than_allowed()
    {
        var wire = new WireCounter();
        using var store = new S3ObjectStore(_bucket.BucketName, _bucket.Options, NullLogger.Instance, wire);
        var data = TestData.Bytes(41 * TestData.MiB, seed: 1);

        await using (var write = store.OpenWrite(TestData.UniquePrefix() + "wire.bin", new WriteOptions { PartSizeBytes = 5 * TestData.MiB, MaxPartsInFlight = 3 }))
        {
            for (var offset = 0; offset < data.Length; offset += TestData.MiB)
            {
                await write.WriteAsync(data.AsMemory(offset, Math.Min(TestData.MiB, data.Length - offset)));
            }

            await write.CompleteAsync();
        }

        Assert.Equal(9, wire.PartUploads);
        Assert.InRange(wire.MaxConcurrentPartUploads, 2, 3);
        Assert.Empty(wire.ChunkedBodies);
    }

    [Fact]
    public async Task Reads_use_range_requests_only()
    {
        var wire = new WireCounter();
        using var store = new S3ObjectStore(_bucket.BucketName, _bucket.Options, NullLogger.Instance, wire);
        var key = TestData.UniquePrefix() + "ranges.bin";
        await store.PutAsync(key, new MemoryStream(TestData.Bytes(3 * TestData.MiB, seed: 2)));

        await using (var read = await store.OpenReadAsync(key))
        {
            read.Seek(2 * TestData.MiB, SeekOrigin.Begin);
            await read.ReadExactlyAsync(new byte[1000]);
            Assert.Equal(1, read.RequestCount);
        }

        Assert.Equal(1, wire.Gets);
        Assert.Equal(0, wire.GetsWithoutRange);
        Assert.Empty(wire.ChunkedBodies);
    }

    [Fact]
    public async Task A_completion_S3_refuses_for_its_parts_is_an_incomplete_upload_and_the_upload_stays_open()
    {
        var key = TestData.UniquePrefix() + "refused.bin";
        var data = TestData.Bytes(5 * TestData.MiB + 7, seed: 3);
        using var store = new S3ObjectStore(_bucket.BucketName, _bucket.Options, NullLogger.Instance);
        var uploadId = await store.InitiateMultipartAsync(key);
        var etag = await store.UploadPartAsync(key, uploadId, 1, new MemoryStream(data), data.Length);

        // S3's answer when a part named was rewritten after it was listed (a PUT racing the completion): s3rver never
        // compares ETags, so this one answer is S3's, on the wire; everything else is s3rver's.
        using var refusing = new S3ObjectStore(_bucket.BucketName, _bucket.Options, NullLogger.Instance, new RefusedCompletion());
        var e = await Assert.ThrowsAsync<Uploads.IncompleteUploadException>(() => refusing.CompleteMultipartAsync(key, uploadId, [new CompletedPart(1, etag)]));
        Assert.Contains("InvalidPart", e.Message, StringComparison.Ordinal);
        Assert.Null(await store.HeadAsync(key));

        var info = await store.CompleteMultipartAsync(key, uploadId, [new CompletedPart(1, etag)]);
        Assert.Equal(data.Length, info.Size);
    }

    /// <summary>The SDK's HTTP clients, each sending through a fresh <see cref="CreateHandler"/> in front of the real stack.</summary>
    private abstract class WireFactory : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig)
        {
            var handler = CreateHandler();
            handler.InnerHandler = new SocketsHttpHandler();
            return new HttpClient(handler);
        }

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

        protected abstract DelegatingHandler CreateHandler();
    }

    /// <summary>Answers every CompleteMultipartUpload as S3 does when a part's ETag no longer matches.</summary>
    private sealed class RefusedCompletion : WireFactory
    {
        protected override DelegatingHandler CreateHandler() => new Handler();

        private sealed class Handler : DelegatingHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
                request.Method == HttpMethod.Post && request.RequestUri!.Query.Contains("uploadId=", StringComparison.Ordinal)
                    ? Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.BadRequest)
                    {
                        RequestMessage = request,
                        Content = new StringContent(
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InvalidPart</Code><Message>One or more of the specified parts " +
                            "could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the " +
                            "part's entity tag.</Message><RequestId>refused</RequestId></Error>",
                            System.Text.Encoding.UTF8,
                            "application/xml"),
                    })
                    : base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class WireCounter : WireFactory
    {
        private int _inFlight;
        private int _max;
        private int _parts;
        private int _gets;
        private int _getsWithoutRange;

        public ConcurrentBag<string> ChunkedBodies { get; } = [];

        public int MaxConcurrentPartUploads => Volatile.Read(ref _max);

        public int PartUploads => Volatile.Read(ref _parts);

        public int Gets => Volatile.Read(ref _gets);

        public int GetsWithoutRange => Volatile.Read(ref _getsWithoutRange);

        protected override DelegatingHandler CreateHandler() => new Handler(this);

        private sealed class Handler(WireCounter counter) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var query = request.RequestUri!.Query;
                var isPart = request.Method == HttpMethod.Put && query.Contains("partNumber=", StringComparison.Ordinal);
                if (request.Method == HttpMethod.Get && !query.Contains("list-type", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref counter._gets);
                    if (request.Headers.Range is null)
                    {
                        Interlocked.Increment(ref counter._getsWithoutRange);
                    }
                }

                var encoding = request.Content?.Headers.ContentEncoding;
                if ((encoding?.Contains("aws-chunked") ?? false) ||
                    (request.Headers.TryGetValues("x-amz-content-sha256", out var sha) && sha.Any(v => v.StartsWith("STREAMING-", StringComparison.Ordinal))))
                {
                    counter.ChunkedBodies.Add(request.RequestUri.ToString());
                }

                if (!isPart)
                {
                    return await base.SendAsync(request, cancellationToken);
                }

                Interlocked.Increment(ref counter._parts);
                var now = Interlocked.Increment(ref counter._inFlight);
                int seen;
                while (now > (seen = Volatile.Read(ref counter._max)) && Interlocked.CompareExchange(ref counter._max, now, seen) != seen)
                {
                }

                try
                {
                    return await base.SendAsync(request, cancellationToken);
                }
                finally
                {
                    Interlocked.Decrement(ref counter._inFlight);
                }
            }
        }
    }
}
