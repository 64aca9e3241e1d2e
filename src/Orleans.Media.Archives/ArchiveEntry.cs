namespace Orleans.Media.Archives;

/// <summary>
/// One entry as listed, without extracting it.
/// </summary>
/// <param name="Index">Position in the archive's reading order; stable for the same archive bytes (checkpoints use it).</param>
/// <param name="PathName">The name with <c>\</c> turned into <c>/</c>, leading <c>./</c> and trailing <c>/</c> removed. Not yet checked for safety.</param>
/// <param name="PackedSize">Compressed bytes: exact for zip (central directory); for other formats the source bytes consumed
/// while passing the entry, 0 inside solid blocks where that is unknowable.</param>
/// <param name="NameWasEscaped">The stored name is not valid UTF-8; <paramref name="PathName"/> is a lossless escape
/// (<c>%XX</c> per non-ASCII byte and for <c>%</c> itself).</param>
public sealed record ArchiveEntry(
    int Index,
    string PathName,
    ArchiveEntryKind Kind,
    long Size,
    long PackedSize,
    bool IsEncrypted,
    DateTimeOffset? ModifiedTime,
    string? LinkTarget,
    bool NameWasEscaped)
{
    public bool IsFolder => Kind == ArchiveEntryKind.Directory;

    public bool IsLink => Kind is ArchiveEntryKind.SymbolicLink or ArchiveEntryKind.HardLink;
}
