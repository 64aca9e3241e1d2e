namespace Orleans.Media.Storage;

/// <summary>
/// One bucket of one backend (an S3-compatible endpoint or a local folder).
/// Every operation is safe to call concurrently.
/// </summary>
public interface IObjectStore
{
    string Bucket { get; }

    /// <summary>Metadata, or null when the object does not exist.</summary>
    Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>One page of keys under <paramref name="prefix"/>, in key order.</summary>
    Task<ObjectListing> ListAsync(string prefix, string? continuationToken = null, int maxKeys = 1000, CancellationToken cancellationToken = default);

    /// <summary>Deletes; a missing object is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);

    Task CopyAsync(string sourceKey, string targetKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// A seekable, read-only stream over the object: ranged reads with read-ahead, so a sequential
    /// scan runs at full speed and a seek costs one range request. <see cref="ObjectReadStream.BytesFetched"/>
    /// counts what was actually transferred from the backend.
    /// </summary>
    Task<ObjectReadStream> OpenReadAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// A write stream of unknown length with bounded memory: small objects go in one PUT on dispose,
    /// large ones as multipart with buffered parts and several parts in flight.
    /// The object exists (whole) only after <see cref="ObjectWriteStream.CompleteAsync"/>;
    /// disposing without completing aborts.
    /// </summary>
    ObjectWriteStream OpenWrite(string key, WriteOptions? options = null);

    /// <summary>Writes a whole object from a stream (length known or not).</summary>
    Task<ObjectInfo> PutAsync(string key, Stream content, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a whole object of known <paramref name="length"/> from a stream that need not be seekable (an HTTP body),
    /// without buffering where the backend allows: S3 sends one streamed PUT up to 5 GiB (multipart above), local
    /// folders write the file. A body that ends early or runs long fails and stores nothing. The stream is read to its
    /// end and may be disposed.
    /// </summary>
    Task<ObjectInfo> PutAsync(string key, Stream content, long length, string? contentType, CancellationToken cancellationToken = default);

    Task<string> InitiateMultipartAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Returns the part's ETag.</summary>
    Task<string> UploadPartAsync(string key, string uploadId, int partNumber, Stream content, long length, CancellationToken cancellationToken = default);

    Task<ObjectInfo> CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<CompletedPart> parts, CancellationToken cancellationToken = default);

    Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The parts uploaded so far, by part number. Throws <see cref="ObjectNotFoundException"/> for an unknown upload and
    /// <see cref="NotSupportedException"/> where the server has no ListParts (s3rver).
    /// </summary>
    Task<IReadOnlyList<UploadedPart>> ListPartsAsync(string key, string uploadId, CancellationToken cancellationToken = default);

    /// <summary>
    /// A URL that a plain HTTP client can use until <see cref="PresignRequest.ExpiresAt"/>: SigV4 for S3
    /// backends, an HMAC-signed URL served by the silo for local folders.
    /// </summary>
    Uri Presign(PresignRequest request);
}

public sealed record ObjectInfo(string Key, long Size, string? ETag, DateTimeOffset LastModified, string? ContentType = null);

public sealed record ObjectListing(IReadOnlyList<ObjectInfo> Objects, string? NextContinuationToken)
{
    public bool IsTruncated => NextContinuationToken is not null;
}

public sealed record CompletedPart(int PartNumber, string ETag);

/// <summary>A part the server holds for an unfinished multipart upload (ETag bare).</summary>
public sealed record UploadedPart(int PartNumber, string ETag, long Size, DateTimeOffset LastModified);

public enum PresignMethod
{
    Get,
    Put,
    UploadPart,
}

/// <summary>
/// What a presigned URL allows. <see cref="ContentMd5"/> (base64 MD5, as the <c>Content-MD5</c> header carries it) binds a
/// PUT to one body: the client must send that header, and the server refuses a body with another digest.
/// </summary>
public sealed record PresignRequest(
    string Key,
    PresignMethod Method,
    DateTimeOffset ExpiresAt,
    string? UploadId = null,
    int? PartNumber = null,
    string? ContentType = null,
    string? ContentMd5 = null);

public sealed record ReadOptions
{
    /// <summary>Bytes fetched per range request when reading sequentially.</summary>
    public int ReadAheadBytes { get; init; } = 8 * 1024 * 1024;
}

public sealed record WriteOptions
{
    /// <summary>Multipart part size (5 MiB minimum for S3).</summary>
    public int PartSizeBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Parts uploading at once per stream.</summary>
    public int MaxPartsInFlight { get; init; } = 4;

    public string? ContentType { get; init; }
}

public sealed class BucketNotFoundException(string bucket)
    : Exception($"The bucket '{bucket}' is not configured on this silo.")
{
    public string Bucket { get; } = bucket;
}
