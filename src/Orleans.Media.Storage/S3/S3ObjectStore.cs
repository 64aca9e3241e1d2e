using Microsoft.Extensions.Logging;

namespace Orleans.Media.Storage.S3;

/// <summary>A bucket on an S3-compatible endpoint. (Being implemented: every operation throws for now.)</summary>
public sealed class S3ObjectStore : IObjectStore
{
    public S3ObjectStore(string bucket, BucketOptions options, ILogger logger)
    {
        Bucket = bucket;
        _ = options;
        _ = logger;
    }

    public string Bucket { get; }

    public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default) => throw NotYet();

    public Task<ObjectListing> ListAsync(string prefix, string? continuationToken = null, int maxKeys = 1000, CancellationToken cancellationToken = default) => throw NotYet();

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => throw NotYet();

    public Task CopyAsync(string sourceKey, string targetKey, CancellationToken cancellationToken = default) => throw NotYet();

    public Task<ObjectReadStream> OpenReadAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default) => throw NotYet();

    public ObjectWriteStream OpenWrite(string key, WriteOptions? options = null) => throw NotYet();

    public Task<ObjectInfo> PutAsync(string key, Stream content, CancellationToken cancellationToken = default) => throw NotYet();

    public Task<string> InitiateMultipartAsync(string key, CancellationToken cancellationToken = default) => throw NotYet();

    public Task<string> UploadPartAsync(string key, string uploadId, int partNumber, Stream content, long length, CancellationToken cancellationToken = default) => throw NotYet();

    public Task<ObjectInfo> CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<CompletedPart> parts, CancellationToken cancellationToken = default) => throw NotYet();

    public Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default) => throw NotYet();

    public Uri Presign(PresignRequest request) => throw NotYet();

    private static NotImplementedException NotYet() => new("The S3 backend is not implemented yet.");
}
