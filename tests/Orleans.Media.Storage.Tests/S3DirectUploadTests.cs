using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Orleans.Media.Storage.Local;
using Orleans.Media.Storage.Uploads;

namespace Orleans.Media.Storage.Tests;

/// <summary>
/// Direct uploads into an S3 bucket on the test s3rver with a plain HttpClient: the presigned part URLs point at
/// s3rver itself. s3rver has no ListParts, so completion takes the client's part list (numbering checked before,
/// total size after); s3rver checks no signatures, so URL tampering is covered on the local backend only.
/// </summary>
public sealed class S3DirectUploadTests : IClassFixture<S3BucketFixture>, IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly S3BucketFixture _bucket;
    private readonly ObjectStorage _storage;
    private readonly DirectUploads _uploads;
    private readonly HttpClient _http = new();

    public S3DirectUploadTests(S3BucketFixture bucket)
    {
        _bucket = bucket;
        var options = new ObjectStorageOptions();
        options.Buckets[bucket.BucketName] = bucket.Options;
        _storage = new ObjectStorage(Options.Create(options), LocalUrlSigner.CreateEphemeral());
        _uploads = new DirectUploads(_storage, TimeProvider.System);
    }

    public void Dispose()
    {
        _storage.Dispose();
        _http.Dispose();
    }

    [Fact]
    public async Task Parts_put_out_of_order_and_in_parallel_complete_hash_equal()
    {
        var data = RandomNumberGenerator.GetBytes((4 * 5 * MiB) + 777);
        var plan = MultipartPlan.Create(data.Length, 4);
        var upload = await _uploads.StartMultipartAsync(_bucket.BucketName, "mp/out-of-order.bin", plan, TimeSpan.FromMinutes(10));
        Assert.All(upload.Parts, p => Assert.StartsWith(S3TestServer.S3Endpoint.AbsoluteUri, p.Url.AbsoluteUri));

        var parts = await Task.WhenAll(upload.Parts.Reverse().Select(p => PutPart(p, data, plan)));
        var info = await _uploads.CompleteAsync(_bucket.BucketName, upload.Key, upload.UploadId, plan, parts);

        Assert.Equal(data.Length, info.Size);
        await using var read = await _storage.GetBucket(_bucket.BucketName).OpenReadAsync(upload.Key);
        Assert.Equal(SHA256.HashData(data), await SHA256.HashDataAsync(read));
    }

    [Fact]
    public async Task A_missing_part_is_refused_before_completion()
    {
        var data = RandomNumberGenerator.GetBytes((3 * 5 * MiB) + 3);
        var plan = MultipartPlan.Create(data.Length, 3);
        var upload = await _uploads.StartMultipartAsync(_bucket.BucketName, "mp/missing.bin", plan, TimeSpan.FromMinutes(10));
        var parts = new[] { await PutPart(upload.Parts[0], data, plan), await PutPart(upload.Parts[2], data, plan) };

        var e = await Assert.ThrowsAsync<IncompleteUploadException>(() => _uploads.CompleteAsync(_bucket.BucketName, upload.Key, upload.UploadId, plan, parts));

        Assert.Contains("Part 2 of 3", e.Message);
        Assert.Null(await _storage.GetBucket(_bucket.BucketName).HeadAsync(upload.Key));
    }

    [Fact]
    public async Task A_wrong_size_part_is_refused_and_no_object_remains()
    {
        var data = RandomNumberGenerator.GetBytes((2 * 5 * MiB) + 50);
        var plan = MultipartPlan.Create(data.Length, 2);
        var upload = await _uploads.StartMultipartAsync(_bucket.BucketName, "mp/short.bin", plan, TimeSpan.FromMinutes(10));
        var first = await PutPart(upload.Parts[0], data, plan);
        using var shortPart = await _http.PutAsync(upload.Parts[1].Url, new ByteArrayContent(new byte[49]));
        Assert.Equal(HttpStatusCode.OK, shortPart.StatusCode);
        var parts = new[] { first, new CompletedPart(2, shortPart.Headers.ETag!.Tag) };

        var e = await Assert.ThrowsAsync<IncompleteUploadException>(() => _uploads.CompleteAsync(_bucket.BucketName, upload.Key, upload.UploadId, plan, parts));

        Assert.Contains($"declared {data.Length}", e.Message);
        Assert.Null(await _storage.GetBucket(_bucket.BucketName).HeadAsync(upload.Key));
    }

    [Fact]
    public async Task Abort_leaves_no_object()
    {
        var data = RandomNumberGenerator.GetBytes((2 * 5 * MiB) + 1);
        var plan = MultipartPlan.Create(data.Length, 2);
        var upload = await _uploads.StartMultipartAsync(_bucket.BucketName, "mp/aborted.bin", plan, TimeSpan.FromMinutes(10));
        await PutPart(upload.Parts[0], data, plan);

        await _uploads.AbortAsync(_bucket.BucketName, upload.Key, upload.UploadId);

        Assert.Null(await _storage.GetBucket(_bucket.BucketName).HeadAsync(upload.Key));
        var listing = await _storage.GetBucket(_bucket.BucketName).ListAsync("mp/aborted");
        Assert.Empty(listing.Objects);
    }

    [Fact]
    public void A_put_url_bound_to_a_content_md5_signs_the_header()
    {
        // s3rver checks no signatures: what can be shown here is that the header is among the signed ones, so S3
        // refuses the URL without it and checks the body against it.
        var md5 = ContentMd5.Of([1, 2, 3]);
        var put = _uploads.PresignPut(_bucket.BucketName, "bound.bin", TimeSpan.FromMinutes(5), md5);

        var signedHeaders = System.Web.HttpUtility.ParseQueryString(put.Url.Query)["X-Amz-SignedHeaders"];
        Assert.Contains("content-md5", signedHeaders!.Split(';'));
        Assert.Throws<ArgumentException>(() => _uploads.PresignPut(_bucket.BucketName, "bound.bin", TimeSpan.FromMinutes(5), "not-an-md5"));
    }

    [Fact]
    public void A_put_url_issued_with_a_content_type_signs_the_header()
    {
        // As the local backend checks it: S3 refuses the URL with another Content-Type (s3rver checks no signatures).
        var put = _uploads.PresignPut(_bucket.BucketName, "typed.mp4", TimeSpan.FromMinutes(5), contentType: "video/mp4");

        var signedHeaders = System.Web.HttpUtility.ParseQueryString(put.Url.Query)["X-Amz-SignedHeaders"];
        Assert.Contains("content-type", signedHeaders!.Split(';'));
    }

    [Fact]
    public async Task ListParts_says_it_is_unsupported_on_s3rver()
    {
        var upload = await _storage.GetBucket(_bucket.BucketName).InitiateMultipartAsync("mp/list.bin");

        await Assert.ThrowsAsync<NotSupportedException>(() => _storage.GetBucket(_bucket.BucketName).ListPartsAsync("mp/list.bin", upload));
    }

    private async Task<CompletedPart> PutPart(PresignedPart part, byte[] data, MultipartPlan plan)
    {
        var offset = (int)((part.PartNumber - 1) * plan.PartSize);
        using var response = await _http.PutAsync(part.Url, new ByteArrayContent(data, offset, (int)part.Size));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new CompletedPart(part.PartNumber, response.Headers.ETag!.Tag);
    }
}
