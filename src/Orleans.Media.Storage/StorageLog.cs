using Microsoft.Extensions.Logging;

namespace Orleans.Media.Storage;

internal static partial class StorageLog
{
    [LoggerMessage(1, LogLevel.Warning, "Abort of multipart upload {UploadId} for {Bucket}/{Key} was refused by the server ({Status}); the parts stay until the server's lifecycle rules remove them")]
    public static partial void AbortRefused(ILogger logger, string bucket, string key, string uploadId, int status);

    [LoggerMessage(2, LogLevel.Warning, "Abort of multipart upload {UploadId} for {Bucket}/{Key} failed")]
    public static partial void AbortFailed(ILogger logger, string bucket, string key, string uploadId, Exception exception);

    [LoggerMessage(3, LogLevel.Information, "Server-side copy refused by the S3 endpoint of bucket {Bucket} ({Status} {Code}); copying through the silo from now on")]
    public static partial void CopyFallback(ILogger logger, string bucket, int status, string? code);

    [LoggerMessage(4, LogLevel.Warning, "OrleansMedia:Storage:LocalSigningKey is not set: local presigned URLs are signed with a per-process key and only this silo accepts them")]
    public static partial void EphemeralSigningKey(ILogger logger);

    [LoggerMessage(5, LogLevel.Debug, "Write of {Bucket}/{Key} abandoned without completion; nothing was stored")]
    public static partial void WriteAbandoned(ILogger logger, string bucket, string key);

    [LoggerMessage(6, LogLevel.Warning, "Could not remove temporary file {Path}")]
    public static partial void TempCleanupFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(7, LogLevel.Information, "The device under local bucket {Bucket} refused an uncached (O_DIRECT) write; its multipart parts go through the page cache from now on")]
    public static partial void UncachedWritesRefused(ILogger logger, string bucket);
}
