using System.Diagnostics.CodeAnalysis;

namespace Orleans.Media.Storage;

/// <summary>
/// An object in a configured bucket: <c>oss://bucket/key</c>; <c>s3://</c> and <c>obs://</c> are aliases.
/// The key may be empty (a bucket root, used as a prefix).
/// </summary>
public readonly record struct ObjectUri(string Scheme, string Bucket, string Key)
{
    private static readonly string[] Schemes = ["oss", "s3", "obs"];

    public static ObjectUri Parse(string value) =>
        TryParse(value, out var uri, out var error) ? uri : throw new FormatException(error);

    public static bool TryParse(string? value, out ObjectUri uri, [NotNullWhen(false)] out string? error)
    {
        uri = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "The URI is empty.";
            return false;
        }

        var sep = value.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0 || !Schemes.Contains(value[..sep], StringComparer.OrdinalIgnoreCase))
        {
            error = $"The URI '{value}' must start with oss://, s3:// or obs://.";
            return false;
        }

        var rest = value[(sep + 3)..];
        var slash = rest.IndexOf('/');
        var bucket = slash < 0 ? rest : rest[..slash];
        var key = slash < 0 ? string.Empty : rest[(slash + 1)..];
        if (!IsValidBucket(bucket))
        {
            error = $"The bucket name in '{value}' is not valid.";
            return false;
        }

        if (key.Contains('\0'))
        {
            error = $"The object key in '{value}' contains a NUL character.";
            return false;
        }

        uri = new ObjectUri(value[..sep].ToLowerInvariant(), bucket, key);
        error = null;
        return true;
    }

    /// <summary>The same bucket, another key.</summary>
    public ObjectUri WithKey(string key) => this with { Key = key };

    public override string ToString() => $"{Scheme}://{Bucket}/{Key}";

    private static bool IsValidBucket(string bucket) =>
        bucket.Length is >= 1 and <= 63 &&
        bucket.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
