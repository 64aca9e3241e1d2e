namespace Orleans.Media.Archives;

public enum ArchiveEntryKind
{
    File,
    Directory,
    SymbolicLink,
    HardLink,

    /// <summary>Device, FIFO or socket: listed, never extracted.</summary>
    Other,
}
