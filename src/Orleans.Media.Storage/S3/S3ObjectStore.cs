using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

namespace Orleans.Media.Storage.S3;

/// <summary>
/// A bucket on an S3-compatible endpoint through AWSSDK.S3. Bodies always reach the SDK as seekable streams with
/// chunk encoding off (see <see cref="S3ObjectWriteStream"/>); ETags are returned without quotes.
/// </summary>
public sealed class S3ObjectStore : IObjectStore, IDisposable
{
    /// <summary>S3's smallest part (except the last).</summary>
    public const int MinPartSize = 5 * 1024 * 1024;

    /// <summary>A seekable body up to this size is sent as one PUT by <see cref="PutAsync"/>.</summary>
    private const long SinglePutLimit = 64L * 1024 * 1024;

    /// <summary>S3's largest single PUT.</summary>
    public const long MaxSinglePut = 5L * 1024 * 1024 * 1024;

    private readonly AmazonS3Client _presignClient;
    private readonly Lazy<HttpClient> _streamingClient = new(() => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = Timeout.InfiniteTimeSpan });
    private readonly bool _presignHttp;
    private volatile bool _serverCopyRefused;

    public S3ObjectStore(string bucket, BucketOptions options, ILogger logger)
        : this(bucket, options, logger, null)
    {
    }

    /// <summary>With the SDK's HTTP client supplied (tests observe the requests on the wire).</summary>
    internal S3ObjectStore(string bucket, BucketOptions options, ILogger logger, Amazon.Runtime.HttpClientFactory? httpClientFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        Bucket = bucket;
        Logger = logger;
        Client = S3Clients.Create(options, options.ServiceUrl!, httpClientFactory);

        // SigV4 signs the Host header: a URL for another host must be signed for that host.
        var publicUrl = options.PublicUrl ?? options.ServiceUrl!;
        _presignClient = options.PublicUrl is null ? Client : S3Clients.Create(options, publicUrl);
        _presignHttp = new Uri(publicUrl).Scheme == Uri.UriSchemeHttp;
    }

    public string Bucket { get; }

    internal AmazonS3Client Client { get; }

    internal ILogger Logger { get; }

    public async Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        try
        {
            var r = await Client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            return new ObjectInfo(key, r.ContentLength, S3Clients.Bare(r.ETag), ToOffset(r.LastModified), r.Headers.ContentType);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<ObjectListing> ListAsync(string prefix, string? continuationToken = null, int maxKeys = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxKeys, 1);
        var r = await Client.ListObjectsV2Async(
            new ListObjectsV2Request
            {
                BucketName = Bucket,
                Prefix = prefix.Length == 0 ? null : prefix,
                ContinuationToken = string.IsNullOrEmpty(continuationToken) ? null : continuationToken,
                MaxKeys = maxKeys,
            },
            cancellationToken).ConfigureAwait(false);
        var objects = (r.S3Objects ?? [])
            .Select(o => new ObjectInfo(o.Key, o.Size ?? 0, S3Clients.Bare(o.ETag), ToOffset(o.LastModified)))
            .ToList();
        return new ObjectListing(objects, r.IsTruncated == true ? r.NextContinuationToken : null);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        await Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
    }

    public async Task CopyAsync(string sourceKey, string targetKey, CancellationToken cancellationToken = default)
    {
        ValidateKey(sourceKey);
        ValidateKey(targetKey);
        var source = await HeadAsync(sourceKey, cancellationToken).ConfigureAwait(false)
                     ?? throw new ObjectNotFoundException(Bucket, sourceKey);

        // Server-side copy is limited to 5 GB and some servers (s3rver) refuse it: then stream through the silo.
        if (!_serverCopyRefused && source.Size <= 5L * 1024 * 1024 * 1024)
        {
            try
            {
                await Client.CopyObjectAsync(
                    new CopyObjectRequest
                    {
                        SourceBucket = Bucket,
                        SourceKey = sourceKey,
                        DestinationBucket = Bucket,
                        DestinationKey = targetKey,
                    },
                    cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (AmazonS3Exception e) when (IsCopyRefusal(e))
            {
                _serverCopyRefused = true;
                StorageLog.CopyFallback(Logger, Bucket, (int)e.StatusCode, e.ErrorCode);
            }
        }

        await using var input = await OpenReadAsync(sourceKey, null, cancellationToken).ConfigureAwait(false);
        await using var output = OpenWrite(targetKey, new WriteOptions { ContentType = source.ContentType });
        await input.CopyToAsync(output, 1 << 20, cancellationToken).ConfigureAwait(false);
        await output.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<ObjectReadStream> OpenReadAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var info = await HeadAsync(key, cancellationToken).ConfigureAwait(false) ?? throw new ObjectNotFoundException(Bucket, key);
        return new S3ObjectReadStream(Client, Bucket, key, info.Size, info.ETag, (options ?? new ReadOptions()).ReadAheadBytes);
    }

    public ObjectWriteStream OpenWrite(string key, WriteOptions? options = null)
    {
        ValidateKey(key);
        return new S3ObjectWriteStream(this, key, options ?? new WriteOptions());
    }

    public async Task<ObjectInfo> PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ArgumentNullException.ThrowIfNull(content);
        if (content.CanSeek && content.Length - content.Position <= SinglePutLimit)
        {
            var size = content.Length - content.Position;
            var r = await Client.PutObjectAsync(
                new PutObjectRequest
                {
                    BucketName = Bucket,
                    Key = key,
                    InputStream = content,
                    UseChunkEncoding = false,
                    DisableDefaultChecksumValidation = true,
                    AutoCloseStream = false,
                },
                cancellationToken).ConfigureAwait(false);
            return new ObjectInfo(key, size, S3Clients.Bare(r.ETag), DateTimeOffset.UtcNow);
        }

        await using var write = OpenWrite(key);
        await content.CopyToAsync(write, 1 << 20, cancellationToken).ConfigureAwait(false);
        return await write.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Up to 5 GiB, one streamed PUT to a URL the SDK presigns (SigV4 over the headers, unsigned payload): the SDK itself
    /// would send a non-seekable body aws-chunked, which some servers (s3rver) store verbatim, or buffer it. Above,
    /// the multipart write stream.
    /// </summary>
    public async Task<ObjectInfo> PutAsync(string key, Stream content, long length, string? contentType, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > MaxSinglePut)
        {
            await using var write = OpenWrite(key, new WriteOptions { ContentType = contentType });
            await CopyExactlyAsync(content, write, length, cancellationToken).ConfigureAwait(false);
            return await write.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        var url = Client.GetPreSignedURL(new GetPreSignedUrlRequest
        {
            BucketName = Bucket,
            Key = key,
            Verb = HttpVerb.PUT,
            Expires = DateTime.UtcNow.AddHours(12),
            Protocol = Client.Config.ServiceURL?.StartsWith("http://", StringComparison.OrdinalIgnoreCase) == true ? Protocol.HTTP : Protocol.HTTPS,
            ContentType = contentType,
        });
        using var body = new StreamContent(new ExactLengthStream(content, length), 1 << 20);
        body.Headers.ContentLength = length;
        if (contentType is not null)
        {
            // Exactly as signed: a reformatted value would not match the signature.
            body.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = body };
        using var response = await _streamingClient.Value.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // The answer is an S3 error document; its code is what a caller can act on, the URL (a credential) stays out.
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var code = System.Text.RegularExpressions.Regex.Match(text, "<Code>([^<]*)</Code>").Groups[1].Value;
            throw new IOException($"The PUT of '{key}' to bucket '{Bucket}' was answered {(int)response.StatusCode} {code}.");
        }

        return new ObjectInfo(key, length, S3Clients.Bare(response.Headers.ETag?.Tag), DateTimeOffset.UtcNow, contentType);
    }

    public Task<string> InitiateMultipartAsync(string key, CancellationToken cancellationToken = default) =>
        InitiateMultipartAsync(key, null, cancellationToken);

    public async Task<string> UploadPartAsync(string key, string uploadId, int partNumber, Stream content, long length, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ArgumentNullException.ThrowIfNull(content);
        Stream body = content;
        MemoryStream? buffered = null;
        if (!content.CanSeek)
        {
            // The SDK sends a non-seekable body aws-chunked: buffer the part (parts are bounded, 5 GiB at most).
            buffered = length >= 0 ? new MemoryStream(checked((int)length)) : new MemoryStream();
            await content.CopyToAsync(buffered, 1 << 20, cancellationToken).ConfigureAwait(false);
            if (length >= 0 && buffered.Length != length)
            {
                throw new IOException($"The part body has {buffered.Length} bytes, not the {length} announced.");
            }

            buffered.Position = 0;
            body = buffered;
        }

        try
        {
            var r = await Client.UploadPartAsync(
                new UploadPartRequest
                {
                    BucketName = Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = partNumber,
                    InputStream = body,
                    PartSize = length >= 0 ? length : body.Length - body.Position,
                    UseChunkEncoding = false,
                    DisableDefaultChecksumValidation = true,
                },
                cancellationToken).ConfigureAwait(false);
            return S3Clients.Bare(r.ETag)!;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw NoSuchUpload(key, uploadId, e);
        }
        finally
        {
            if (buffered is not null)
            {
                await buffered.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public async Task<ObjectInfo> CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<CompletedPart> parts, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ArgumentNullException.ThrowIfNull(parts);
        CompleteMultipartUploadResponse r;
        try
        {
            r = await Client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest
                {
                    BucketName = Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartETags = parts.Select(p => new PartETag(p.PartNumber, p.ETag.Trim('"'))).ToList(),
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "InvalidPart" or "InvalidPartOrder" or "EntityTooSmall")
        {
            // A part named was rewritten (its ETag changed since it was listed), is missing, or is too small: S3 keeps
            // the upload open, as the local store does, and the caller gets the same refusal from both.
            throw new Uploads.IncompleteUploadException($"The parts of upload '{uploadId}' for '{key}' were refused ({e.ErrorCode}: {e.Message}); the upload stays open.", e);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw NoSuchUpload(key, uploadId, e);
        }

        // The completion answer carries no size; a HEAD gives the authoritative metadata.
        return await HeadAsync(key, cancellationToken).ConfigureAwait(false)
               ?? new ObjectInfo(key, 0, S3Clients.Bare(r.ETag), DateTimeOffset.UtcNow);
    }

    public async Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        try
        {
            await Client.AbortMultipartUploadAsync(
                new AbortMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented)
        {
            // s3rver has no AbortMultipartUpload; the upload is unreachable without its id anyway.
            StorageLog.AbortRefused(Logger, Bucket, key, uploadId, (int)e.StatusCode);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone: aborting is idempotent.
        }
    }

    public async Task<IReadOnlyList<UploadedPart>> ListPartsAsync(string key, string uploadId, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        var parts = new List<UploadedPart>();
        int? marker = null;
        try
        {
            while (true)
            {
                var r = await Client.ListPartsAsync(
                    new ListPartsRequest { BucketName = Bucket, Key = key, UploadId = uploadId, PartNumberMarker = marker?.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    cancellationToken).ConfigureAwait(false);
                parts.AddRange((r.Parts ?? []).Select(p => new UploadedPart(p.PartNumber ?? 0, S3Clients.Bare(p.ETag)!, p.Size ?? 0, ToOffset(p.LastModified))));
                if (r.IsTruncated != true || r.NextPartNumberMarker is null)
                {
                    break;
                }

                marker = r.NextPartNumberMarker;
            }
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw NoSuchUpload(key, uploadId, e);
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented)
        {
            throw new NotSupportedException($"The S3 endpoint of bucket '{Bucket}' has no ListParts ({(int)e.StatusCode}).", e);
        }

        return parts;
    }

    public Uri Presign(PresignRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidateKey(request.Key);
        var r = new GetPreSignedUrlRequest
        {
            BucketName = Bucket,
            Key = request.Key,
            Verb = request.Method == PresignMethod.Get ? HttpVerb.GET : HttpVerb.PUT,
            Expires = request.ExpiresAt.UtcDateTime,
            Protocol = _presignHttp ? Protocol.HTTP : Protocol.HTTPS,
            ContentType = request.ContentType,
        };
        if (request.ContentMd5 is { } md5)
        {
            if (request.Method != PresignMethod.Put || !ContentMd5.IsValid(md5))
            {
                throw new ArgumentException("A Content-MD5 binds only a whole-object PUT, and must be the base64 of a 16-byte MD5.", nameof(request));
            }

            // A signed header: the client must send exactly this Content-MD5, and S3 checks the body against it.
            r.Headers.ContentMD5 = md5;
        }

        if (request.Method == PresignMethod.UploadPart)
        {
            if (string.IsNullOrEmpty(request.UploadId) || request.PartNumber is not (>= 1 and <= 10_000))
            {
                throw new ArgumentException("A presigned UploadPart needs an UploadId and a PartNumber between 1 and 10000.", nameof(request));
            }

            r.UploadId = request.UploadId;
            r.PartNumber = request.PartNumber;
        }

        return new Uri(_presignClient.GetPreSignedURL(r));
    }

    public void Dispose()
    {
        if (_streamingClient.IsValueCreated)
        {
            _streamingClient.Value.Dispose();
        }

        if (!ReferenceEquals(_presignClient, Client))
        {
            _presignClient.Dispose();
        }

        Client.Dispose();
    }

    internal async Task<string> InitiateMultipartAsync(string key, string? contentType, CancellationToken cancellationToken)
    {
        ValidateKey(key);
        var r = await Client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = Bucket, Key = key, ContentType = contentType },
            cancellationToken).ConfigureAwait(false);
        return r.UploadId;
    }

    /// <summary>Abort for cleanup paths: never throws, logs what the server said.</summary>
    internal async Task AbortQuietlyAsync(string key, string uploadId)
    {
        try
        {
            await AbortMultipartAsync(key, uploadId).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            StorageLog.AbortFailed(Logger, Bucket, key, uploadId, e);
        }
    }

    private static async Task CopyExactlyAsync(Stream input, Stream output, long length, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long total = 0;
            int n;
            while ((n = await input.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - total + 1)), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += n;
                if (total > length)
                {
                    throw new IOException($"The body is longer than the {length} bytes announced.");
                }

                await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }

            if (total != length)
            {
                throw new IOException($"The body ended after {total} of {length} bytes.");
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void ValidateKey(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidObjectKeyException(key ?? string.Empty, "it is empty");
        }

        if (key.Contains('\0'))
        {
            throw new InvalidObjectKeyException(key, "it contains NUL");
        }
    }

    // The source was just seen by HEAD, so a 404 here means the server misread the copy source (s3rver answers
    // NoSuchBucket for the SDK's URL-encoded x-amz-copy-source); the others mean it has no server-side copy.
    private static bool IsCopyRefusal(AmazonS3Exception e) =>
        e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed or HttpStatusCode.BadRequest;

    private static DateTimeOffset ToOffset(DateTime? value) =>
        value is { } v ? new DateTimeOffset(v.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue;

    private ObjectNotFoundException NoSuchUpload(string key, string uploadId, Exception inner) =>
        new(Bucket, key, $"The multipart upload '{uploadId}' for '{key}' does not exist in bucket '{Bucket}'.", inner);
}
