using System.Net;
using System.Text;
using System.Web;

namespace Orleans.Media.Storage.Tests;

/// <summary>What only the S3 backend can get wrong: the aws-chunked trap, SigV4 presigned URLs used without the SDK.</summary>
public sealed class S3BackendTests : IClassFixture<S3BucketFixture>
{
    private static readonly HttpClient Http = new();
    private readonly S3BucketFixture _bucket;

    public S3BackendTests(S3BucketFixture bucket) => _bucket = bucket;

    [Fact]
    public async Task Stored_bytes_carry_no_aws_chunked_framing()
    {
        var prefix = TestData.UniquePrefix();
        var data = TestData.Bytes(300_000, seed: 1);
        var big = TestData.Bytes(11 * TestData.MiB, seed: 2);

        await _bucket.Store.PutAsync(prefix + "put", new MemoryStream(data));
        await _bucket.Store.PutAsync(prefix + "put-forward-only", new NonSeekableStream(data));
        await using (var write = _bucket.Store.OpenWrite(prefix + "streamed", new WriteOptions { PartSizeBytes = 5 * TestData.MiB }))
        {
            await write.WriteAsync(big);
            await write.CompleteAsync();
        }

        var uploadId = await _bucket.Store.InitiateMultipartAsync(prefix + "parts");
        var etag = await _bucket.Store.UploadPartAsync(prefix + "parts", uploadId, 1, new NonSeekableStream(data), data.Length);
        await _bucket.Store.CompleteMultipartAsync(prefix + "parts", uploadId, [new(1, etag)]);

        // Fetch what the server stored with a plain HTTP GET (no SDK to hide anything).
        foreach (var (key, expected) in new[] { ("put", data), ("put-forward-only", data), ("streamed", big), ("parts", data) })
        {
            var url = _bucket.Store.Presign(new PresignRequest(prefix + key, PresignMethod.Get, DateTimeOffset.UtcNow.AddMinutes(5)));
            var raw = await Http.GetByteArrayAsync(url);
            Assert.False(Encoding.ASCII.GetString(raw, 0, Math.Min(raw.Length, 200)).Contains("chunk-signature", StringComparison.Ordinal), $"{key} holds aws-chunked framing");
            Assert.Equal(expected.Length, raw.Length);
            Assert.Equal(TestData.Sha256(expected), TestData.Sha256(raw));
        }
    }

    [Fact]
    public async Task Presigned_put_works_with_a_plain_http_client()
    {
        var key = TestData.UniquePrefix() + "presigned put/ü.bin";
        var data = TestData.Bytes(700_000, seed: 3);
        var url = _bucket.Store.Presign(new PresignRequest(key, PresignMethod.Put, DateTimeOffset.UtcNow.AddMinutes(10)));
        Assert.Equal("http", url.Scheme);

        using var response = await Http.PutAsync(url, new ByteArrayContent(data));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var read = await _bucket.Store.OpenReadAsync(key);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256(await TestData.ReadAllAsync(read)));
    }

    [Fact]
    public async Task Presigned_upload_part_urls_with_a_plain_http_client_complete_into_the_object()
    {
        var key = TestData.UniquePrefix() + "presigned-parts.bin";
        var part1 = TestData.Bytes(5 * TestData.MiB, seed: 4);
        var part2 = TestData.Bytes(2 * TestData.MiB + 7, seed: 5);
        var uploadId = await _bucket.Store.InitiateMultipartAsync(key);
        var parts = new List<CompletedPart>();

        foreach (var (number, bytes) in new[] { (1, part1), (2, part2) })
        {
            var url = _bucket.Store.Presign(new PresignRequest(key, PresignMethod.UploadPart, DateTimeOffset.UtcNow.AddMinutes(10), uploadId, number));
            var query = HttpUtility.ParseQueryString(url.Query);
            Assert.Equal(uploadId, query["uploadId"]);
            Assert.Equal(number.ToString(), query["partNumber"]);
            using var response = await Http.PutAsync(url, new ByteArrayContent(bytes));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            parts.Add(new(number, response.Headers.ETag!.Tag.Trim('"')));
        }

        var info = await _bucket.Store.CompleteMultipartAsync(key, uploadId, parts);

        var whole = part1.Concat(part2).ToArray();
        Assert.Equal(whole.Length, info.Size);
        await using var read = await _bucket.Store.OpenReadAsync(key);
        Assert.Equal(TestData.Sha256(whole), TestData.Sha256(await TestData.ReadAllAsync(read)));
    }

    /// <summary>
    /// s3rver checks X-Amz-Date + X-Amz-Expires (it answers 403 AccessDenied "Request has expired" once passed),
    /// so expiry is proven against the server; the URL must carry the requested lifetime.
    /// </summary>
    [Fact]
    public async Task Presigned_urls_carry_their_expiry_and_an_expired_one_is_refused()
    {
        var key = TestData.UniquePrefix() + "expiring";
        await _bucket.Store.PutAsync(key, new MemoryStream([1, 2, 3]));

        var longLived = _bucket.Store.Presign(new PresignRequest(key, PresignMethod.Get, DateTimeOffset.UtcNow.AddSeconds(3600)));
        var expires = int.Parse(HttpUtility.ParseQueryString(longLived.Query)["X-Amz-Expires"]!);
        Assert.InRange(expires, 3590, 3601); // the SDK rounds the remaining lifetime up
        Assert.Equal([1, 2, 3], await Http.GetByteArrayAsync(longLived));

        var shortLived = _bucket.Store.Presign(new PresignRequest(key, PresignMethod.Get, DateTimeOffset.UtcNow.AddSeconds(1)));
        await Task.Delay(TimeSpan.FromSeconds(3.2));
        using var refused = await Http.GetAsync(shortLived);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
