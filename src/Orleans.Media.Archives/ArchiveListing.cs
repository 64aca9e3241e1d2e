namespace Orleans.Media.Archives;

/// <summary>What an archive holds, read without extracting any data.</summary>
public sealed record ArchiveListing(ArchiveFormat Format, long ArchiveSize, IReadOnlyList<ArchiveEntry> Entries)
{
    public bool HasEncryptedEntries => Entries.Any(e => e.IsEncrypted);

    public long TotalSize => Entries.Sum(e => e.Size);
}
