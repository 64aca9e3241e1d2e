namespace Orleans.Media.Storage;

/// <summary>A key the backend refuses: empty, NUL, or (for local folders) one that would resolve outside the bucket.</summary>
public sealed class InvalidObjectKeyException(string key, string reason)
    : ArgumentException($"The object key '{key.Replace("\0", "\\0", StringComparison.Ordinal)}' is not allowed: {reason}")
{
    public string Key { get; } = key;

    public string Reason { get; } = reason;
}
