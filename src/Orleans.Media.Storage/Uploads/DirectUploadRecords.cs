namespace Orleans.Media.Storage.Uploads;

/// <summary>
/// A presigned PUT a client sends the whole object with. When <see cref="ContentMd5"/> is set the client must send
/// that value as the <c>Content-MD5</c> header, and a body with another digest is refused.
/// </summary>
public sealed record DirectPut(string Bucket, string Key, Uri Url, DateTimeOffset ExpiresAt, string? ContentMd5, string? ContentType);

/// <summary>One part's presigned PUT and the exact size the plan expects of it.</summary>
public sealed record PresignedPart(int PartNumber, Uri Url, long Size);

/// <summary>
/// A started multipart upload: the client PUTs part N's bytes to <c>Parts[N-1].Url</c>, in any order and in parallel,
/// then asks the issuer to complete (or abort) it.
/// </summary>
public sealed record DirectMultipartUpload(
    string Bucket,
    string Key,
    string UploadId,
    MultipartPlan Plan,
    IReadOnlyList<PresignedPart> Parts,
    DateTimeOffset ExpiresAt);

/// <summary>A completion refused because the uploaded parts do not match the plan; the upload stays open.</summary>
public sealed class IncompleteUploadException(string message, Exception? inner = null) : Exception(message, inner);
