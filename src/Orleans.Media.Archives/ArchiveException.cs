namespace Orleans.Media.Archives;

/// <summary>An archive that cannot be listed or extracted, with a code callers switch on.</summary>
public sealed class ArchiveException(ArchiveError error, Exception? inner = null)
    : Exception(error.ToString(), inner)
{
    public ArchiveException(ArchiveErrorCode code, string message, string? entryName = null, Exception? inner = null)
        : this(new ArchiveError(code, message, entryName), inner)
    {
    }

    public ArchiveError Error { get; } = error;

    public ArchiveErrorCode Code => Error.Code;

    public string? EntryName => Error.EntryName;
}
