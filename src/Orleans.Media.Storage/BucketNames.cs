namespace Orleans.Media.Storage;

/// <summary>What a bucket name may be: the <see cref="ObjectUri"/> rule, minus names that are special as folders.</summary>
public static class BucketNames
{
    public static bool IsValid(string? bucket) =>
        bucket is { Length: >= 1 and <= 63 } &&
        bucket[0] != '.' &&
        bucket.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
