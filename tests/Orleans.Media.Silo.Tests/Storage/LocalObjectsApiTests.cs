using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Media.Silo.Storage;
using Orleans.Media.Storage;
using Orleans.Media.Storage.Local;

namespace Orleans.Media.Silo.Tests.Storage;

/// <summary>
/// Local-folder presigned URLs used by a plain HttpClient against a real Kestrel that maps <see cref="LocalObjectsApi"/>.
/// The URLs are issued by a second registry with the same signing key and folder, as another silo of the cluster would.
/// </summary>
public sealed class LocalObjectsApiTests : IAsyncLifetime
{
    private const string SigningKey = "silo-tests-signing-key-0123456789";
    private const string Bucket = "uploads";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "om-api-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly HttpClient _http = new();
    private WebApplication _app = null!;
    private ObjectStorage _issuer = null!;
    private IObjectStore _store = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddObjectStorage(o =>
        {
            o.DefaultLocalRoot = _root;
            o.LocalSigningKey = SigningKey;
        });
        _app = builder.Build();
        _app.MapLocalObjectsApi();
        await _app.StartAsync();

        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _issuer = new ObjectStorage(
            Options.Create(new ObjectStorageOptions { DefaultLocalRoot = _root, LocalSigningKey = SigningKey, LocalPublicBaseUrl = address }),
            new LocalUrlSigner(SigningKey));
        _store = _issuer.GetBucket(Bucket);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _http.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Presigned_put_stores_the_object_and_answers_its_etag()
    {
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 5);
        var url = _store.Presign(new PresignRequest("in/ü file+1.bin", PresignMethod.Put, DateTimeOffset.UtcNow.AddMinutes(5)));

        var body = new ByteArrayContent(data);
        body.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var response = await _http.PutAsync(url, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(data))}\"", response.Headers.ETag!.Tag);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_root, Bucket, "in", "ü file+1.bin")));

        // The content type the uploader declared comes back to whoever downloads it.
        var get = _store.Presign(new PresignRequest("in/ü file+1.bin", PresignMethod.Get, DateTimeOffset.UtcNow.AddMinutes(5)));
        using var download = await _http.GetAsync(get);
        Assert.Equal("image/png", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(response.Headers.ETag.Tag, download.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task A_body_larger_than_kestrels_default_limit_is_accepted()
    {
        var data = RandomNumberGenerator.GetBytes(40 * 1024 * 1024);
        var url = _store.Presign(new PresignRequest("big.bin", PresignMethod.Put, DateTimeOffset.UtcNow.AddMinutes(5)));

        using var response = await _http.PutAsync(url, new ByteArrayContent(data));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(_root, Bucket, "big.bin"))));
    }

    [Fact]
    public async Task Presigned_upload_part_urls_complete_into_the_object()
    {
        const string key = "multi/part.bin";
        var part1 = RandomNumberGenerator.GetBytes(5 * 1024 * 1024);
        var part2 = RandomNumberGenerator.GetBytes(1024 * 1024 + 3);
        var uploadId = await _store.InitiateMultipartAsync(key);
        var parts = new List<CompletedPart>();

        foreach (var (number, bytes) in new[] { (2, part2), (1, part1) })
        {
            var url = _store.Presign(new PresignRequest(key, PresignMethod.UploadPart, DateTimeOffset.UtcNow.AddMinutes(5), uploadId, number));
            using var response = await _http.PutAsync(url, new ByteArrayContent(bytes));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            parts.Insert(0, new(number, response.Headers.ETag!.Tag));
        }

        var info = await _store.CompleteMultipartAsync(key, uploadId, parts);

        var whole = part1.Concat(part2).ToArray();
        Assert.Equal(whole.Length, info.Size);
        Assert.EndsWith("-2", info.ETag);
        Assert.Equal(whole, await File.ReadAllBytesAsync(Path.Combine(_root, Bucket, "multi", "part.bin")));
    }

    [Fact]
    public async Task Presigned_get_streams_the_object_with_range_support()
    {
        var data = RandomNumberGenerator.GetBytes(2_000_000);
        await _store.PutAsync("read/me.bin", new MemoryStream(data));
        var url = _store.Presign(new PresignRequest("read/me.bin", PresignMethod.Get, DateTimeOffset.UtcNow.AddMinutes(5)));

        Assert.Equal(data, await _http.GetByteArrayAsync(url));

        using var ranged = new HttpRequestMessage(HttpMethod.Get, url);
        ranged.Headers.Range = new RangeHeaderValue(1_000_000, 1_000_099);
        using var response = await _http.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(data.AsSpan(1_000_000, 100).ToArray(), await response.Content.ReadAsByteArrayAsync());

        using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(data.Length, head.Content.Headers.ContentLength);

        var missing = _store.Presign(new PresignRequest("read/none", PresignMethod.Get, DateTimeOffset.UtcNow.AddMinutes(5)));
        using var notFound = await _http.GetAsync(missing);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("NoSuchKey", await ErrorCode(notFound));
    }

    [Fact]
    public async Task An_expired_url_is_refused_and_writes_nothing()
    {
        var url = _store.Presign(new PresignRequest("late.bin", PresignMethod.Put, DateTimeOffset.UtcNow.AddSeconds(-1)));

        using var response = await _http.PutAsync(url, new ByteArrayContent([1, 2, 3]));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("AccessDenied", await ErrorCode(response));
        Assert.Null(await _store.HeadAsync("late.bin"));
    }

    [Theory]
    [InlineData("signature")]
    [InlineData("key")]
    [InlineData("bucket")]
    [InlineData("expires")]
    [InlineData("partNumber")]
    [InlineData("uploadId")]
    [InlineData("method")]
    [InlineData("no-signature")]
    public async Task A_tampered_url_is_refused(string tamper)
    {
        var uploadId = await _store.InitiateMultipartAsync("target.bin");
        await _issuer.GetBucket("other").PutAsync("placeholder", new MemoryStream([0]));
        var url = _store.Presign(new PresignRequest("target.bin", PresignMethod.UploadPart, DateTimeOffset.UtcNow.AddMinutes(5), uploadId, 1)).AbsoluteUri;
        var tampered = tamper switch
        {
            "signature" => url[..^1] + (url[^1] == '0' ? '1' : '0'),
            "key" => url.Replace("/target.bin", "/target2.bin", StringComparison.Ordinal),
            "bucket" => url.Replace($"/{Bucket}/", "/other/", StringComparison.Ordinal),
            "expires" => System.Text.RegularExpressions.Regex.Replace(url, "expires=(\\d+)", m => "expires=" + (long.Parse(m.Groups[1].Value) + 3600)),
            "partNumber" => url.Replace("partNumber=1", "partNumber=2", StringComparison.Ordinal),
            "uploadId" => url.Replace(uploadId, uploadId[..^1] + (uploadId[^1] == 'a' ? 'b' : 'a'), StringComparison.Ordinal),
            "method" => url.Replace("method=PUT", "method=GET", StringComparison.Ordinal),
            _ => url[..url.IndexOf("&signature=", StringComparison.Ordinal)],
        };
        Assert.NotEqual(url, tampered);

        using var response = await _http.PutAsync(tampered, new ByteArrayContent([1, 2, 3]));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(await ErrorCode(response), new[] { "SignatureDoesNotMatch", "AccessDenied" });
        Assert.False(Directory.EnumerateFiles(Path.Combine(_root, Bucket, ".om-tmp", "mpu", uploadId), "*.part").Any());
        Assert.Null(await _store.HeadAsync("target2.bin"));
    }

    [Fact]
    public async Task A_get_url_cannot_be_used_to_put()
    {
        var url = _store.Presign(new PresignRequest("read-only.bin", PresignMethod.Get, DateTimeOffset.UtcNow.AddMinutes(5)));

        using var response = await _http.PutAsync(url, new ByteArrayContent([1]));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Null(await _store.HeadAsync("read-only.bin"));
    }

    [Fact]
    public async Task A_validly_signed_key_that_escapes_the_bucket_is_refused()
    {
        // Presign refuses such keys, so sign by hand as an attacker holding the key would have to.
        var signer = new LocalUrlSigner(SigningKey);
        var expires = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds();
        const string key = "../escaped.bin";
        var signature = signer.Sign("PUT", Bucket, key, expires, null, null);
        var baseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var url = $"{baseUrl}/_objects/{Bucket}/%2E%2E%2Fescaped.bin?method=PUT&expires={expires}&signature={signature}";

        using var response = await _http.PutAsync(url, new ByteArrayContent([1]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(File.Exists(Path.Combine(_root, "escaped.bin")));
    }

    private static async Task<string?> ErrorCode(HttpResponseMessage response) =>
        XDocument.Parse(await response.Content.ReadAsStringAsync()).Root?.Element("Code")?.Value;
}
