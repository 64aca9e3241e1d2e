namespace Orleans.Media.Archives;

/// <summary>
/// The outcome for one entry, in IMM's shape. <paramref name="Reason"/> is empty when the entry was written (or is a
/// folder, which is reported but gets no object); otherwise it says why, and <paramref name="Code"/> classifies it.
/// </summary>
/// <param name="Uri">The object written (<c>oss://bucket/prefix/path</c>); for a folder, its prefix; null when the entry was refused (never written).</param>
/// <param name="FileAccessTime">The entry's modification time as stored in the archive.</param>
public sealed record ExtractedEntry(
    int Index,
    string? Uri,
    string PathName,
    bool IsFolder,
    long PackedSize,
    long UnPackedSize,
    DateTimeOffset? FileAccessTime,
    string Reason,
    ArchiveErrorCode? Code = null)
{
    public bool Succeeded => Reason.Length == 0;
}
