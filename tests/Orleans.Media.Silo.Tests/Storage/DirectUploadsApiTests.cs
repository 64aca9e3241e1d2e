using System.Net;
using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Media.Silo.Hosting;
using Orleans.Media.Silo.Storage;
using Orleans.Media.Storage;
using Orleans.Media.Storage.Local;
using Orleans.Media.Storage.Uploads;

namespace Orleans.Media.Silo.Tests.Storage;

/// <summary>
/// Direct uploads into the local-folder backend of the embedded default: a plain HttpClient PUTs to the URLs
/// <see cref="DirectUploads"/> issues, against a real Kestrel that maps <see cref="LocalObjectsApi"/>, with Kestrel's
/// own memory pool here and with the silo's larger receive blocks in <see cref="DirectUploadsApiLargeBlockTests"/>.
/// </summary>
public class DirectUploadsApiTests : IAsyncLifetime
{
    private const string SigningKey = "direct-upload-signing-key-0123456789";
    private const string Bucket = "direct";
    private const int MiB = 1024 * 1024;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "om-du-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly HttpClient _http = new();
    private WebApplication _app = null!;
    private ObjectStorage _storage = null!;
    private DirectUploads _uploads = null!;
    private string _baseUrl = null!;

    /// <summary>Kestrel's block size for this run (4: Kestrel's own pool).</summary>
    protected virtual int ReceiveBlockKiB => 4;

    protected WebApplication App => _app;

    protected DirectUploads Uploads => _uploads;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddObjectStorage(o =>
        {
            o.DefaultLocalRoot = _root;
            o.LocalSigningKey = SigningKey;
        });
        builder.Services.AddKestrelReceiveBlocks(ReceiveBlockKiB);
        _app = builder.Build();
        _app.MapLocalObjectsApi();
        await _app.StartAsync();
        _baseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _storage = new ObjectStorage(
            Options.Create(new ObjectStorageOptions { DefaultLocalRoot = _root, LocalSigningKey = SigningKey, LocalPublicBaseUrl = _baseUrl }),
            new LocalUrlSigner(SigningKey));
        _uploads = new DirectUploads(_storage, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _storage.Dispose();
        _http.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Parts_put_out_of_order_and_in_parallel_complete_hash_equal()
    {
        var data = RandomNumberGenerator.GetBytes((4 * 5 * MiB) + 12345);
        var plan = MultipartPlan.Create(data.Length, 4);
        var upload = await _uploads.StartMultipartAsync(Bucket, "in/video.mp4", plan, TimeSpan.FromMinutes(10));

        // Last part first, the others at once.
        var etags = new List<CompletedPart> { await PutPart(upload.Parts[3], data, plan) };
        etags.AddRange(await Task.WhenAll(upload.Parts.Take(3).Reverse().Select(p => PutPart(p, data, plan))));

        var listed = await _uploads.ListPartsAsync(Bucket, upload.Key, upload.UploadId);
        Assert.Equal([1, 2, 3, 4], listed.Select(p => p.PartNumber));
        Assert.Equal(Enumerable.Range(1, 4).Select(plan.SizeOf), listed.Select(p => p.Size));

        var info = await _uploads.CompleteAsync(Bucket, upload.Key, upload.UploadId, plan, etags);

        Assert.Equal(data.Length, info.Size);
        var get = _storage.GetBucket(Bucket).Presign(new PresignRequest(upload.Key, PresignMethod.Get, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await _http.GetByteArrayAsync(get)));
        Assert.False(Directory.Exists(UploadFolder(upload.UploadId)));
    }

    [Fact]
    public async Task A_missing_part_is_refused_at_complete_and_the_upload_stays_open()
    {
        var data = RandomNumberGenerator.GetBytes((3 * 5 * MiB) + 10);
        var plan = MultipartPlan.Create(data.Length, 3);
        var upload = await _uploads.StartMultipartAsync(Bucket, "missing.bin", plan, TimeSpan.FromMinutes(10));
        await PutPart(upload.Parts[0], data, plan);
        await PutPart(upload.Parts[2], data, plan);

        var e = await Assert.ThrowsAsync<IncompleteUploadException>(() => _uploads.CompleteAsync(Bucket, upload.Key, upload.UploadId, plan));
        Assert.Contains("Part 2 of 3", e.Message);
        Assert.Null(await _storage.GetBucket(Bucket).HeadAsync(upload.Key));

        // The client can still send the missing part and complete.
        await PutPart(upload.Parts[1], data, plan);
        var info = await _uploads.CompleteAsync(Bucket, upload.Key, upload.UploadId, plan);
        Assert.Equal(data.Length, info.Size);
    }

    [Fact]
    public async Task A_part_of_the_wrong_size_is_refused_at_complete()
    {
        var data = RandomNumberGenerator.GetBytes((2 * 5 * MiB) + 100);
        var plan = MultipartPlan.Create(data.Length, 2);
        var upload = await _uploads.StartMultipartAsync(Bucket, "short.bin", plan, TimeSpan.FromMinutes(10));
        await PutPart(upload.Parts[0], data, plan);
        using (var shortPart = await _http.PutAsync(upload.Parts[1].Url, new ByteArrayContent(new byte[99])))
        {
            Assert.Equal(HttpStatusCode.OK, shortPart.StatusCode);
        }

        var e = await Assert.ThrowsAsync<IncompleteUploadException>(() => _uploads.CompleteAsync(Bucket, upload.Key, upload.UploadId, plan));

        Assert.Contains("Part 2 has 99 bytes", e.Message);
        Assert.Null(await _storage.GetBucket(Bucket).HeadAsync(upload.Key));
    }

    [Fact]
    public async Task A_part_larger_than_the_declared_part_size_is_refused_at_upload()
    {
        var data = RandomNumberGenerator.GetBytes((2 * 5 * MiB) + 100);
        var plan = MultipartPlan.Create(data.Length, 2);
        var upload = await _uploads.StartMultipartAsync(Bucket, "long-part.bin", plan, TimeSpan.FromMinutes(10));

        using var response = await _http.PutAsync(upload.Parts[0].Url, new ByteArrayContent(data, 0, (int)plan.PartSize + 1));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("IncompleteBody", await ErrorCode(response));
        Assert.Empty(await _uploads.ListPartsAsync(Bucket, upload.Key, upload.UploadId));
    }

    [Fact]
    public async Task A_part_uploaded_again_replaces_the_first_one()
    {
        var data = RandomNumberGenerator.GetBytes((2 * 5 * MiB) + 100);
        var plan = MultipartPlan.Create(data.Length, 2);
        var upload = await _uploads.StartMultipartAsync(Bucket, "again.bin", plan, TimeSpan.FromMinutes(10));
        using (var wrong = await _http.PutAsync(upload.Parts[0].Url, new ByteArrayContent(new byte[plan.PartSize])))
        {
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        await PutPart(upload.Parts[0], data, plan);
        await PutPart(upload.Parts[1], data, plan);
        await _uploads.CompleteAsync(Bucket, upload.Key, upload.UploadId, plan);

        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_root, Bucket, "again.bin")));
    }

    [Fact]
    public async Task Abort_leaves_nothing_and_the_part_urls_stop_working()
    {
        var data = RandomNumberGenerator.GetBytes((2 * 5 * MiB) + 1);
        var plan = MultipartPlan.Create(data.Length, 2);
        var upload = await _uploads.StartMultipartAsync(Bucket, "aborted.bin", plan, TimeSpan.FromMinutes(10));
        await PutPart(upload.Parts[0], data, plan);
        Assert.True(Directory.Exists(UploadFolder(upload.UploadId)));

        await _uploads.AbortAsync(Bucket, upload.Key, upload.UploadId);

        Assert.False(Directory.Exists(UploadFolder(upload.UploadId)));
        Assert.Null(await _storage.GetBucket(Bucket).HeadAsync(upload.Key));
        using var late = await _http.PutAsync(upload.Parts[1].Url, new ByteArrayContent(data[(int)plan.PartSize..]));
        Assert.Equal(HttpStatusCode.NotFound, late.StatusCode);
        Assert.Equal("NoSuchUpload", await ErrorCode(late));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => _uploads.ListPartsAsync(Bucket, upload.Key, upload.UploadId));
    }

    [Fact]
    public async Task Abort_names_the_key_and_leaves_another_keys_upload_alone()
    {
        var data = RandomNumberGenerator.GetBytes((2 * 5 * MiB) + 9);
        var plan = MultipartPlan.Create(data.Length, 2);
        var upload = await _uploads.StartMultipartAsync(Bucket, "kept.bin", plan, TimeSpan.FromMinutes(10));
        await PutPart(upload.Parts[0], data, plan);

        // As S3: an abort of another key with this upload id is not an abort of this upload.
        await _uploads.AbortAsync(Bucket, "someone-elses.bin", upload.UploadId);

        Assert.True(Directory.Exists(UploadFolder(upload.UploadId)));
        await PutPart(upload.Parts[1], data, plan);
        var info = await _uploads.CompleteAsync(Bucket, upload.Key, upload.UploadId, plan);
        Assert.Equal(data.Length, info.Size);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_root, Bucket, "kept.bin")));
    }

    [Fact]
    public async Task A_part_body_cut_short_leaves_no_part()
    {
        var data = RandomNumberGenerator.GetBytes((2 * 5 * MiB) + 5);
        var plan = MultipartPlan.Create(data.Length, 2);
        var upload = await _uploads.StartMultipartAsync(Bucket, "cut-short.bin", plan, TimeSpan.FromMinutes(10));
        await PutPart(upload.Parts[0], data, plan);

        // Part 1 again, announced whole but cut off after 1 MiB: the earlier part 1 is gone and nothing replaces it.
        var answer = await CutShortPutAsync(upload.Parts[0].Url, plan.PartSize, data.AsMemory(0, MiB));
        Assert.DoesNotContain("200 OK", answer);
        Assert.Empty(await _uploads.ListPartsAsync(Bucket, upload.Key, upload.UploadId));

        await Assert.ThrowsAsync<IncompleteUploadException>(() => _uploads.CompleteAsync(Bucket, upload.Key, upload.UploadId, plan));
        await Task.WhenAll(upload.Parts.Select(p => PutPart(p, data, plan)));
        var info = await _uploads.CompleteAsync(Bucket, upload.Key, upload.UploadId, plan);
        Assert.Equal(data.Length, info.Size);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_root, Bucket, "cut-short.bin")));
    }

    [Fact]
    public async Task A_put_bound_to_a_content_md5_stores_only_that_body()
    {
        var data = RandomNumberGenerator.GetBytes(100_000);
        var md5 = ContentMd5.Of(data);
        var put = _uploads.PresignPut(Bucket, "bound.bin", TimeSpan.FromMinutes(5), md5);

        // Without the header: the signed header is missing.
        using (var noHeader = await _http.PutAsync(put.Url, new ByteArrayContent(data)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, noHeader.StatusCode);
        }

        // The header names the bound digest but the body is another: BadDigest, nothing stored.
        var other = (byte[])data.Clone();
        other[^1] ^= 0xff;
        using (var wrongBody = await _http.SendAsync(PutWithMd5(put.Url, other, md5)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrongBody.StatusCode);
            Assert.Equal("BadDigest", await ErrorCode(wrongBody));
        }

        Assert.Null(await _storage.GetBucket(Bucket).HeadAsync("bound.bin"));

        // Another digest in the header than the one signed: refused before reading the body.
        using (var wrongHeader = await _http.SendAsync(PutWithMd5(put.Url, other, ContentMd5.Of(other))))
        {
            Assert.Equal(HttpStatusCode.Forbidden, wrongHeader.StatusCode);
        }

        // The URL with its contentMd5 swapped for another digest: the signature covers it.
        var swapped = put.Url.AbsoluteUri.Replace(Uri.EscapeDataString(md5), Uri.EscapeDataString(ContentMd5.Of(other)), StringComparison.Ordinal);
        using (var tampered = await _http.SendAsync(PutWithMd5(new Uri(swapped), other, ContentMd5.Of(other))))
        {
            Assert.Equal(HttpStatusCode.Forbidden, tampered.StatusCode);
            Assert.Equal("SignatureDoesNotMatch", await ErrorCode(tampered));
        }

        Assert.Null(await _storage.GetBucket(Bucket).HeadAsync("bound.bin"));

        using var ok = await _http.SendAsync(PutWithMd5(put.Url, data, md5));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_root, Bucket, "bound.bin")));
    }

    [Fact]
    public async Task A_part_with_a_content_md5_is_checked_and_one_without_gets_an_opaque_etag()
    {
        var data = RandomNumberGenerator.GetBytes((2 * 5 * MiB) + 4321);
        var plan = MultipartPlan.Create(data.Length, 2);
        var upload = await _uploads.StartMultipartAsync(Bucket, "digests.bin", plan, TimeSpan.FromMinutes(10));
        var first = data[..(int)plan.PartSize];
        var second = data[(int)plan.PartSize..];

        // Without Content-MD5 the part is not hashed: its ETag is not the MD5 (S3 makes no promise that it is).
        var plain = await PutPart(upload.Parts[0], data, plan);
        Assert.Matches("^\"[0-9a-f]{32}\"$", plain.ETag);
        Assert.NotEqual($"\"{Convert.ToHexStringLower(MD5.HashData(first))}\"", plain.ETag);

        // A Content-MD5 the body does not match: BadDigest, and the part is not there.
        using (var wrong = await _http.SendAsync(PutWithMd5(upload.Parts[1].Url, second, ContentMd5.Of(first))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
            Assert.Equal("BadDigest", await ErrorCode(wrong));
        }

        Assert.Equal([1], (await _uploads.ListPartsAsync(Bucket, upload.Key, upload.UploadId)).Select(p => p.PartNumber));

        // A Content-MD5 that is not a digest at all.
        using (var request = new HttpRequestMessage(HttpMethod.Put, upload.Parts[1].Url) { Content = new ByteArrayContent(second) })
        {
            request.Content.Headers.TryAddWithoutValidation("Content-MD5", "not-a-digest");
            using var invalid = await _http.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
            Assert.Equal("InvalidDigest", await ErrorCode(invalid));
        }

        // The right one: stored, and the ETag is the part's MD5 as S3 answers.
        using var ok = await _http.SendAsync(PutWithMd5(upload.Parts[1].Url, second, ContentMd5.Of(second)));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(second))}\"", ok.Headers.ETag!.Tag);

        var info = await _uploads.CompleteAsync(Bucket, upload.Key, upload.UploadId, plan, [plain, new(2, ok.Headers.ETag.Tag)]);
        Assert.Equal(data.Length, info.Size);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_root, Bucket, "digests.bin")));
    }

    [Fact]
    public async Task A_put_with_an_unbound_content_md5_is_checked_too()
    {
        var data = RandomNumberGenerator.GetBytes(50_000);
        var put = _uploads.PresignPut(Bucket, "unbound.bin", TimeSpan.FromMinutes(5));
        var other = (byte[])data.Clone();
        other[0] ^= 0xff;

        using (var wrong = await _http.SendAsync(PutWithMd5(put.Url, other, ContentMd5.Of(data))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
            Assert.Equal("BadDigest", await ErrorCode(wrong));
        }

        Assert.Null(await _storage.GetBucket(Bucket).HeadAsync("unbound.bin"));
        using var ok = await _http.SendAsync(PutWithMd5(put.Url, data, ContentMd5.Of(data)));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_root, Bucket, "unbound.bin")));
    }

    [Fact]
    public async Task Urls_signed_with_another_key_for_another_part_or_expired_are_refused()
    {
        var data = RandomNumberGenerator.GetBytes((2 * 5 * MiB) + 1);
        var plan = MultipartPlan.Create(data.Length, 2);
        var upload = await _uploads.StartMultipartAsync(Bucket, "guarded.bin", plan, TimeSpan.FromMinutes(10));

        // Another cluster's key.
        using var foreign = new ObjectStorage(
            Options.Create(new ObjectStorageOptions { DefaultLocalRoot = _root, LocalSigningKey = "another-signing-key-0123456789", LocalPublicBaseUrl = _baseUrl }),
            new LocalUrlSigner("another-signing-key-0123456789"));
        var foreignUrl = foreign.GetBucket(Bucket).Presign(new PresignRequest(upload.Key, PresignMethod.UploadPart, DateTimeOffset.UtcNow.AddMinutes(5), upload.UploadId, 1));
        using (var r = await _http.PutAsync(foreignUrl, new ByteArrayContent(data[..(int)plan.PartSize])))
        {
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Assert.Equal("SignatureDoesNotMatch", await ErrorCode(r));
        }

        // Part 1's URL re-pointed at part 2.
        var wrongPart = upload.Parts[0].Url.AbsoluteUri.Replace("partNumber=1", "partNumber=2", StringComparison.Ordinal);
        using (var r = await _http.PutAsync(wrongPart, new ByteArrayContent(data[(int)plan.PartSize..])))
        {
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        }

        // Part 1's URL used for another object's upload.
        var otherKey = upload.Parts[0].Url.AbsoluteUri.Replace("/guarded.bin", "/other.bin", StringComparison.Ordinal);
        using (var r = await _http.PutAsync(otherKey, new ByteArrayContent([1])))
        {
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        }

        // Expired.
        var expired = _storage.GetBucket(Bucket).Presign(new PresignRequest(upload.Key, PresignMethod.UploadPart, DateTimeOffset.UtcNow.AddSeconds(-1), upload.UploadId, 1));
        using (var r = await _http.PutAsync(expired, new ByteArrayContent(data[..(int)plan.PartSize])))
        {
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Assert.Equal("AccessDenied", await ErrorCode(r));
        }

        Assert.Empty(await _uploads.ListPartsAsync(Bucket, upload.Key, upload.UploadId));
    }

    [Fact]
    public async Task Two_puts_of_one_part_at_once_leave_one_whole_body_never_a_mix()
    {
        var data = RandomNumberGenerator.GetBytes((2 * 5 * MiB) + 100);
        var plan = MultipartPlan.Create(data.Length, 2);
        var upload = await _uploads.StartMultipartAsync(Bucket, "raced-part.bin", plan, TimeSpan.FromMinutes(10));
        var a = RandomNumberGenerator.GetBytes((int)plan.PartSize);
        var b = RandomNumberGenerator.GetBytes((int)plan.PartSize);
        var half = a.Length / 2;

        // A sends half of its body and stalls until B has had its chance to write the whole part.
        var resumeA = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var requestA = new HttpRequestMessage(HttpMethod.Put, upload.Parts[0].Url) { Content = new StallingContent(a, half, resumeA.Task) };
        requestA.Content.Headers.ContentMD5 = MD5.HashData(a);
        var sendA = _http.SendAsync(requestA);
        // The server writes in batches (at most 128 KiB wait for more of the body): 1 MiB on disk means A is mid-part.
        await WaitUntilAsync(() => FileStartsWith(Path.Combine(UploadFolder(upload.UploadId), "assembly"), a.AsSpan(0, MiB)));

        var sendB = _http.SendAsync(PutWithMd5(upload.Parts[0].Url, b, ContentMd5.Of(b)));
        // B either finishes now (nothing stops it) or waits for A: both are allowed, a torn part is not.
        await Task.WhenAny(sendB, Task.Delay(TimeSpan.FromSeconds(2)));
        resumeA.SetResult();
        using var responseA = await sendA;
        using var responseB = await sendB;
        Assert.Equal(HttpStatusCode.OK, responseA.StatusCode);
        Assert.Equal(HttpStatusCode.OK, responseB.StatusCode);

        await PutPart(upload.Parts[1], data, plan);
        var listed = await _uploads.ListPartsAsync(Bucket, upload.Key, upload.UploadId);
        await _uploads.CompleteAsync(Bucket, upload.Key, upload.UploadId, plan);
        var stored = (await File.ReadAllBytesAsync(Path.Combine(_root, Bucket, "raced-part.bin")))[..a.Length];

        // Part 1 is one of the two bodies, whole, and its listed ETag is that body's MD5.
        Assert.True(stored.AsSpan().SequenceEqual(a) || stored.AsSpan().SequenceEqual(b), "part 1 holds a mix of the two bodies");
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(stored)), listed[0].ETag);
    }

    [Fact]
    public async Task A_part_put_racing_with_complete_is_either_in_the_object_or_refused()
    {
        // A one-part upload replayed while it completes, many times: whatever the interleaving, a part answered 200
        // is in the object (or the completion was refused), the object never changes after completion, and a
        // completion that failed (IncompleteUploadException, nothing else) published nothing.
        for (var i = 0; i < 150; i++)
        {
            var original = RandomNumberGenerator.GetBytes(64 * 1024);
            var replay = RandomNumberGenerator.GetBytes(original.Length);
            var plan = MultipartPlan.Create(original.Length, 1);
            var key = $"race/{i}.bin";
            var upload = await _uploads.StartMultipartAsync(Bucket, key, plan, TimeSpan.FromMinutes(10));
            using (var first = await _http.SendAsync(PutWithMd5(upload.Parts[0].Url, original, ContentMd5.Of(original))))
            {
                Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            }

            var complete = Task.Run(() => _uploads.CompleteAsync(Bucket, key, upload.UploadId, plan));
            using var replayed = await _http.SendAsync(PutWithMd5(upload.Parts[0].Url, replay, ContentMd5.Of(replay)));
            ObjectInfo? info = null;
            try
            {
                info = await complete;
            }
            catch (IncompleteUploadException)
            {
                // The documented refusal (the upload stays open); any other exception fails the test.
            }

            Assert.True(replayed.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"iteration {i}: the replay answered {(int)replayed.StatusCode}");
            var path = Path.Combine(_root, Bucket, "race", $"{i}.bin");
            if (info is null)
            {
                Assert.False(File.Exists(path), $"iteration {i}: a refused completion published the object");
                continue;
            }

            var stored = await File.ReadAllBytesAsync(path);
            var expected = replayed.StatusCode == HttpStatusCode.OK ? replay : original;
            Assert.True(stored.AsSpan().SequenceEqual(expected), $"iteration {i}: the replay answered {(int)replayed.StatusCode} but the object holds {(stored.AsSpan().SequenceEqual(original) ? "the original" : stored.AsSpan().SequenceEqual(replay) ? "the replay" : "a mix")}");
            Assert.Equal(Convert.ToHexStringLower(MD5.HashData(MD5.HashData(stored))) + "-1", info.ETag);
        }
    }

    [Fact]
    public async Task A_part_url_replayed_after_complete_is_refused_and_the_object_stays()
    {
        var data = RandomNumberGenerator.GetBytes((2 * 5 * MiB) + 3);
        var plan = MultipartPlan.Create(data.Length, 2);
        var upload = await _uploads.StartMultipartAsync(Bucket, "replayed.bin", plan, TimeSpan.FromMinutes(10));
        await Task.WhenAll(upload.Parts.Select(p => PutPart(p, data, plan)));
        await _uploads.CompleteAsync(Bucket, upload.Key, upload.UploadId, plan);

        using var late = await _http.PutAsync(upload.Parts[1].Url, new ByteArrayContent(new byte[plan.SizeOf(2)]));

        Assert.Equal(HttpStatusCode.NotFound, late.StatusCode);
        Assert.Equal("NoSuchUpload", await ErrorCode(late));
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_root, Bucket, "replayed.bin")));
        Assert.False(Directory.Exists(UploadFolder(upload.UploadId)));
    }

    [Fact]
    public async Task A_put_with_a_body_to_a_folder_marker_is_refused_and_an_empty_one_makes_the_folder()
    {
        // A key ending in '/' is a folder on the local backend: a body cannot go there, and saying so is a 400, not a 500.
        var put = _uploads.PresignPut(Bucket, "marker-dir/", TimeSpan.FromMinutes(5));
        using (var refused = await _http.PutAsync(put.Url, new ByteArrayContent([1, 2, 3])))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("InvalidArgument", await ErrorCode(refused));
        }

        Assert.Null(await _storage.GetBucket(Bucket).HeadAsync("marker-dir/"));
        using var ok = await _http.PutAsync(put.Url, new ByteArrayContent([]));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.NotNull(await _storage.GetBucket(Bucket).HeadAsync("marker-dir/"));
    }

    [Fact]
    public async Task A_put_issued_for_a_content_type_refuses_another()
    {
        var data = RandomNumberGenerator.GetBytes(10_000);
        var put = _uploads.PresignPut(Bucket, "typed.mp4", TimeSpan.FromMinutes(5), contentType: "video/mp4");

        foreach (var other in new[] { "text/html", null })
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, put.Url) { Content = new ByteArrayContent(data) };
            if (other is not null)
            {
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(other);
            }

            using var refused = await _http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("SignatureDoesNotMatch", await ErrorCode(refused));
        }

        Assert.Null(await _storage.GetBucket(Bucket).HeadAsync("typed.mp4"));

        // The URL with its content type swapped: the signature covers it.
        var swapped = put.Url.AbsoluteUri.Replace(Uri.EscapeDataString("video/mp4"), Uri.EscapeDataString("text/html"), StringComparison.Ordinal);
        Assert.NotEqual(put.Url.AbsoluteUri, swapped);
        using (var request = new HttpRequestMessage(HttpMethod.Put, swapped) { Content = new ByteArrayContent(data) })
        {
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/html");
            using var tampered = await _http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, tampered.StatusCode);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Put, put.Url) { Content = new ByteArrayContent(data) })
        {
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("video/mp4");
            using var ok = await _http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var get = _storage.GetBucket(Bucket).Presign(new PresignRequest("typed.mp4", PresignMethod.Get, DateTimeOffset.UtcNow.AddMinutes(1)));
        using var read = await _http.GetAsync(get);
        Assert.Equal("video/mp4", read.Content.Headers.ContentType?.MediaType);
        Assert.Equal(data, await read.Content.ReadAsByteArrayAsync());
    }

    private async Task<CompletedPart> PutPart(PresignedPart part, byte[] data, MultipartPlan plan)
    {
        var offset = (int)((part.PartNumber - 1) * plan.PartSize);
        using var response = await _http.PutAsync(part.Url, new ByteArrayContent(data, offset, (int)part.Size));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new CompletedPart(part.PartNumber, response.Headers.ETag!.Tag);
    }

    private static HttpRequestMessage PutWithMd5(Uri url, byte[] body, string md5)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentMD5 = Convert.FromBase64String(md5);
        return request;
    }

    private string UploadFolder(string uploadId) => Path.Combine(_root, Bucket, ".om-tmp", "mpu", uploadId);

    /// <summary>
    /// A PUT whose body ends (the client closes its side) before the Content-Length it announced; the server's
    /// answer, or "reset" when it resets the connection instead (either comes after its handler has read the end).
    /// </summary>
    private static async Task<string> CutShortPutAsync(Uri url, long contentLength, ReadOnlyMemory<byte> body)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(url.Host, url.Port);
        var stream = client.GetStream();
        var head = $"PUT {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nContent-Length: {contentLength}\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body);
        client.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        try
        {
            using var reader = new StreamReader(stream);
            return await reader.ReadToEndAsync();
        }
        catch (IOException)
        {
            return "reset";
        }
    }

    private static bool FileStartsWith(string path, ReadOnlySpan<byte> expected)
    {
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var read = new byte[expected.Length];
            return RandomAccess.Read(file, read, 0) == expected.Length && read.AsSpan().SequenceEqual(expected);
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within a minute");
            await Task.Delay(20);
        }
    }

    /// <summary>A body that sends its first bytes, then waits before sending the rest (a slow client mid-part).</summary>
    private sealed class StallingContent(byte[] body, int before, Task resume) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(body.AsMemory(0, before));
            await stream.FlushAsync();
            await resume;
            await stream.WriteAsync(body.AsMemory(before));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }

    private static async Task<string?> ErrorCode(HttpResponseMessage response) =>
        XDocument.Parse(await response.Content.ReadAsStringAsync()).Root?.Element("Code")?.Value;
}
