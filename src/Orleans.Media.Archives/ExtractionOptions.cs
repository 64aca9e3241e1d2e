namespace Orleans.Media.Archives;

/// <summary>How to extract: which entries, passwords, limits, pipeline sizing, progress and checkpoint callbacks.</summary>
public sealed record ExtractionOptions
{
    /// <summary>Tried in order for ZipCrypto and WinZip AES entries.</summary>
    public IReadOnlyList<string> Passphrases { get; init; } = [];

    /// <summary>Paths relative to the archive root; a folder selects everything under it. Empty: everything.</summary>
    public IReadOnlyList<string> SelectedPaths { get; init; } = [];

    public ArchiveLimits Limits { get; init; } = new();

    /// <summary>Entries already done by an earlier run; they are reported but not read or written again.</summary>
    public ExtractionCheckpoint? ResumeFrom { get; init; }

    /// <summary>Called (from upload threads, serialised) after every finished entry.</summary>
    public Action<ExtractionProgress>? Progress { get; init; }

    /// <summary>Called (serialised) every <see cref="CheckpointEveryEntries"/> finished entries and once at the end.</summary>
    public Action<ExtractionCheckpoint>? Checkpoint { get; init; }

    public int CheckpointEveryEntries { get; init; } = 100;

    /// <summary>Entries uploading at once; the decoder runs ahead by up to this many more.</summary>
    public int MaxUploadsInFlight { get; init; } = 8;

    /// <summary>
    /// Entries over <see cref="LargeUploadBytes"/> (or of unknown size) uploading at once. An S3 write buffers up to a part
    /// (8 MiB, in a pooled array) plus one part in flight: 8 such entries held ~128 MiB, measured as the bulk of the
    /// s3 part's peak RSS. Smaller entries still go <see cref="MaxUploadsInFlight"/> at once. The decoder waits for a
    /// slot before handing a large entry over, in archive order, so an entry never waits on a later one.
    /// </summary>
    public int MaxLargeUploadsInFlight { get; init; } = 3;

    /// <summary>Entries above this size count against <see cref="MaxLargeUploadsInFlight"/>.</summary>
    public long LargeUploadBytes { get; init; } = 1024 * 1024;

    /// <summary>Size of the pooled buffers decoded data travels in.</summary>
    public int ChunkBytes { get; init; } = 256 * 1024;

    /// <summary>Chunks buffered per uploading entry before the decoder waits for that upload.</summary>
    public int ChunksPerEntry { get; init; } = 8;

    /// <summary>
    /// Passed to <see cref="Storage.IObjectStore.OpenWrite"/>. One part in flight per entry while the next fills: with
    /// <see cref="MaxUploadsInFlight"/> entries uploading that is still 8 parts at once, and it bounds part buffers to
    /// uploads × part size × 2 (128 MiB at the defaults). Measured against two in flight (× 3, 192 MiB) on the
    /// s3rver benchmark: same throughput, 10–15 MB less peak RSS.
    /// </summary>
    public Storage.WriteOptions? WriteOptions { get; init; } = new() { MaxPartsInFlight = 1 };

    /// <summary>Read-ahead of the source stream when only selected entries are wanted, so skipped entries cost little.</summary>
    public int SelectiveReadAheadBytes { get; init; } = 4096;

    /// <summary>
    /// Threads decoding independent zip entries at once (stored and deflated entries, none encrypted or a link: others go
    /// through libarchive, one at a time). 1 decodes every archive sequentially. Solid 7z and RAR are sequential by nature.
    /// </summary>
    public int MaxDecodeThreads { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 8);

    /// <summary>Zips with less data than this (declared, of the entries extracted) decode sequentially: threads would not pay off.</summary>
    public long ParallelZipMinBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>Reads an unencrypted 7z with libarchive even where the native reader could (side-by-side measurements).</summary>
    internal bool PreferLibArchive { get; init; }

    /// <summary>Decodes a local 7z's folders with liblzma even where a 7zz child could (tests and side-by-side measurements).</summary>
    internal bool PreferLibLzma { get; init; }

    /// <summary>
    /// How long a 7zz child may leave the decoder waiting without a byte of output (it hangs, is stopped, or starves)
    /// before its process tree is killed and liblzma decodes on from the same byte. 7zz at one thread puts out
    /// megabytes per second; the limit only has to outlast its key derivation and a loaded host's scheduling gaps.
    /// </summary>
    public TimeSpan SevenZipToolStallLimit { get; init; } = TimeSpan.FromSeconds(30);

    public ExtractionOptions Validate()
    {
        Limits.Validate();
        Require(CheckpointEveryEntries > 0, nameof(CheckpointEveryEntries));
        Require(MaxUploadsInFlight is > 0 and <= 256, nameof(MaxUploadsInFlight));
        Require(MaxLargeUploadsInFlight is > 0 and <= 256, nameof(MaxLargeUploadsInFlight));
        Require(LargeUploadBytes >= 0, nameof(LargeUploadBytes));
        Require(ChunkBytes is >= 4096 and <= 16 * 1024 * 1024, nameof(ChunkBytes));
        Require(ChunksPerEntry is > 0 and <= 1024, nameof(ChunksPerEntry));
        Require(SelectiveReadAheadBytes > 0, nameof(SelectiveReadAheadBytes));
        Require(MaxDecodeThreads is > 0 and <= 64, nameof(MaxDecodeThreads));
        Require(ParallelZipMinBytes >= 0, nameof(ParallelZipMinBytes));
        Require(SevenZipToolStallLimit >= TimeSpan.FromMilliseconds(100) && SevenZipToolStallLimit <= TimeSpan.FromHours(1), nameof(SevenZipToolStallLimit));
        Require(Passphrases.All(p => !string.IsNullOrEmpty(p) && !p.Contains('\0')), nameof(Passphrases));
        Require(SelectedPaths.All(p => !string.IsNullOrWhiteSpace(p)), nameof(SelectedPaths));
        return this;
    }

    private static void Require(bool ok, string name)
    {
        if (!ok)
        {
            throw new ArgumentException($"ExtractionOptions.{name} is out of range.", name);
        }
    }
}
