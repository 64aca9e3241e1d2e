using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Media.Storage.Local;

namespace Orleans.Media.Storage.Tests;

/// <summary>
/// <see cref="IObjectStore.PutAsync(string, Stream, long, string?, CancellationToken)"/>: a non-seekable body of known
/// length, as an HTTP body arrives, stored whole without buffering; a body that is shorter or longer stores nothing.
/// </summary>
public sealed class StreamedPutTests : IClassFixture<S3BucketFixture>, IDisposable
{
    private readonly S3BucketFixture _s3;
    private readonly LocalBucketFixture _local = new();

    public StreamedPutTests(S3BucketFixture s3) => _s3 = s3;

    public void Dispose() => _local.Dispose();

    public static TheoryData<string> Backends => new() { "s3", "local" };

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task A_non_seekable_body_of_known_length_is_stored_whole(string backend)
    {
        var store = Store(backend);
        var data = RandomNumberGenerator.GetBytes(12 * 1024 * 1024 + 5);

        var info = await store.PutAsync("streamed/a.bin", new NonSeekableStream(data), data.Length, "video/mp4");

        Assert.Equal(data.Length, info.Size);
        await using var read = await store.OpenReadAsync("streamed/a.bin");
        Assert.Equal(SHA256.HashData(data), await SHA256.HashDataAsync(read));
        Assert.Equal("video/mp4", (await store.HeadAsync("streamed/a.bin"))!.ContentType);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task A_body_longer_than_announced_fails_before_it_is_sent_and_stores_nothing(string backend)
    {
        var store = Store(backend);
        var data = RandomNumberGenerator.GetBytes(100_000);

        await Assert.ThrowsAnyAsync<Exception>(() => store.PutAsync("streamed/long.bin", new NonSeekableStream(data), data.Length - 1, null));

        Assert.Null(await store.HeadAsync("streamed/long.bin"));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task A_body_shorter_than_announced_fails(string backend)
    {
        var store = Store(backend);
        var data = RandomNumberGenerator.GetBytes(100_000);

        await Assert.ThrowsAnyAsync<Exception>(() => store.PutAsync("streamed/short.bin", new NonSeekableStream(data), data.Length + 1, null));

        // The PUT is aborted before its last byte. S3 then answers IncompleteBody and stores nothing; s3rver stores
        // what arrived (it never checks the length), so only the local backend can show "nothing stored" here.
        if (backend == "local")
        {
            Assert.Null(await store.HeadAsync("streamed/short.bin"));
        }
    }

    private IObjectStore Store(string backend) => backend == "s3"
        ? _s3.Store
        : new LocalObjectStore("local", _local.Root, null, null, NullLogger.Instance);
}
