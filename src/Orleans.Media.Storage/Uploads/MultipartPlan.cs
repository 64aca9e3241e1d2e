namespace Orleans.Media.Storage.Uploads;

/// <summary>
/// The shape a client declares before a multipart upload: total size and part count. Every part but the last has
/// <see cref="PartSize"/> bytes (the size rounded up), the last the rest, so completion can check each part's size.
/// </summary>
public sealed record MultipartPlan
{
    /// <summary>S3's smallest part, except the last.</summary>
    public const long MinPartSize = 5L * 1024 * 1024;

    /// <summary>S3's largest part.</summary>
    public const long MaxPartSize = 5L * 1024 * 1024 * 1024;

    public const int MaxParts = 10_000;

    private MultipartPlan(long totalSize, int partCount, long partSize)
    {
        TotalSize = totalSize;
        PartCount = partCount;
        PartSize = partSize;
    }

    public long TotalSize { get; }

    public int PartCount { get; }

    /// <summary>The size of every part but the last.</summary>
    public long PartSize { get; }

    /// <summary>A plan, or an <see cref="ArgumentException"/> that says which S3 limit the declaration breaks.</summary>
    public static MultipartPlan Create(long totalSize, int partCount)
    {
        if (partCount is < 1 or > MaxParts)
        {
            throw new ArgumentOutOfRangeException(nameof(partCount), partCount, $"A multipart upload has 1 to {MaxParts} parts.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(totalSize, partCount, nameof(totalSize));
        var partSize = (totalSize + partCount - 1) / partCount;
        var last = totalSize - (partSize * (partCount - 1));
        if (partCount > 1 && partSize < MinPartSize)
        {
            throw new ArgumentException(
                $"{totalSize} bytes in {partCount} parts gives {partSize}-byte parts; S3 needs at least {MinPartSize} bytes in every part but the last.",
                nameof(partCount));
        }

        if (partSize > MaxPartSize)
        {
            throw new ArgumentException($"{totalSize} bytes in {partCount} parts gives parts over S3's {MaxPartSize}-byte limit.", nameof(partCount));
        }

        if (last < 1)
        {
            throw new ArgumentException($"{totalSize} bytes cannot fill {partCount} parts of {partSize} bytes.", nameof(partCount));
        }

        return new MultipartPlan(totalSize, partCount, partSize);
    }

    /// <summary>The declared size of part <paramref name="partNumber"/> (1-based).</summary>
    public long SizeOf(int partNumber)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partNumber, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partNumber, PartCount);
        return partNumber < PartCount ? PartSize : TotalSize - (PartSize * (PartCount - 1));
    }
}
