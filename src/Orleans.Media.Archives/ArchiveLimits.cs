namespace Orleans.Media.Archives;

/// <summary>
/// Limits checked before anything is written (entry count, archive size by format, declared output) and while
/// decoding (actual output and compression ratio). Defaults follow IMM: ≤ 80,000 files, ≤ 200 GB for zip and
/// RAR, ≤ 50 GB for 7z.
/// </summary>
public sealed record ArchiveLimits
{
    public const long GB = 1_000_000_000L;

    public int MaxEntries { get; init; } = 80_000;

    public long MaxZipBytes { get; init; } = 200 * GB;

    public long MaxRarBytes { get; init; } = 200 * GB;

    public long MaxSevenZipBytes { get; init; } = 50 * GB;

    public long MaxTarBytes { get; init; } = 200 * GB;

    /// <summary>Stops extraction once this many bytes have been (or, by the archive's own directory, would be) written.</summary>
    public long MaxTotalOutputBytes { get; init; } = 2_000 * GB;

    /// <summary>
    /// Output bytes per input byte beyond which the archive is treated as a bomb. Deflate tops out near 1,030:1 on
    /// zeros; ordinary text and logs stay well under 100:1.
    /// </summary>
    public double MaxCompressionRatio { get; init; } = 200;

    /// <summary>The ratio guard applies only once an entry or the whole output is at least this large.</summary>
    public long CompressionRatioMinBytes { get; init; } = 64L * 1024 * 1024;

    public long MaxArchiveBytes(ArchiveFormat format) => format switch
    {
        ArchiveFormat.Zip => MaxZipBytes,
        ArchiveFormat.Rar or ArchiveFormat.Rar5 => MaxRarBytes,
        ArchiveFormat.SevenZip => MaxSevenZipBytes,
        ArchiveFormat.Tar => MaxTarBytes,
        _ => long.MaxValue,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid limit.</summary>
    public ArchiveLimits Validate()
    {
        Require(MaxEntries > 0, nameof(MaxEntries));
        Require(MaxZipBytes > 0, nameof(MaxZipBytes));
        Require(MaxRarBytes > 0, nameof(MaxRarBytes));
        Require(MaxSevenZipBytes > 0, nameof(MaxSevenZipBytes));
        Require(MaxTarBytes > 0, nameof(MaxTarBytes));
        Require(MaxTotalOutputBytes > 0, nameof(MaxTotalOutputBytes));
        Require(MaxCompressionRatio >= 1, nameof(MaxCompressionRatio));
        Require(CompressionRatioMinBytes >= 0, nameof(CompressionRatioMinBytes));
        return this;
    }

    private static void Require(bool ok, string name)
    {
        if (!ok)
        {
            throw new ArgumentException($"ArchiveLimits.{name} is out of range.", name);
        }
    }
}
