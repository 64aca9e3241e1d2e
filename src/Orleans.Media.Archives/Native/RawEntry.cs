namespace Orleans.Media.Archives.Native;

/// <summary>A header as libarchive reported it, decoded to managed values.</summary>
internal sealed record RawEntry(
    string Name,
    bool NameWasEscaped,
    ArchiveEntryKind Kind,
    long? Size,
    DateTimeOffset? ModifiedTime,
    bool IsEncrypted,
    string? LinkTarget);
