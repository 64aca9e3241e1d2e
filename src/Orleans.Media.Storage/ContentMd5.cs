namespace Orleans.Media.Storage;

/// <summary>The <c>Content-MD5</c> value: base64 of the 16-byte MD5 of a body.</summary>
public static class ContentMd5
{
    public static bool IsValid(string? value) => value is not null && TryDecode(value, out _);

    /// <summary>The 16 digest bytes; throws <see cref="FormatException"/> for anything else.</summary>
    public static byte[] Decode(string value) =>
        TryDecode(value, out var digest) ? digest : throw new FormatException($"'{value}' is not a base64 MD5 digest (Content-MD5).");

    public static string Of(ReadOnlySpan<byte> data) => Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(data));

    private static bool TryDecode(string value, out byte[] digest)
    {
        digest = new byte[16];
        return Convert.TryFromBase64String(value, digest, out var written) && written == 16 && value.Length == 24;
    }
}

/// <summary>A body did not match the Content-MD5 its upload was bound to; nothing was stored.</summary>
public sealed class ContentDigestMismatchException(string bucket, string key)
    : Exception($"The body of '{key}' in bucket '{bucket}' does not match the Content-MD5 it was bound to.")
{
    public string Bucket { get; } = bucket;

    public string Key { get; } = key;
}
