namespace Orleans.Media.Storage;

/// <summary>An operation needed an object (or a multipart upload) that does not exist.</summary>
public sealed class ObjectNotFoundException(string bucket, string key, string? message = null, Exception? inner = null)
    : Exception(message ?? $"The object '{key}' does not exist in bucket '{bucket}'.", inner)
{
    public string Bucket { get; } = bucket;

    public string Key { get; } = key;
}
