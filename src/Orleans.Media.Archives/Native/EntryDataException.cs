namespace Orleans.Media.Archives.Native;

/// <summary>libarchive could not decode the current entry's data. <see cref="Fatal"/>: the archive cannot go on.</summary>
internal sealed class EntryDataException(ArchiveErrorCode code, string message, bool fatal, Exception? inner)
    : Exception(message, inner)
{
    public ArchiveErrorCode Code { get; } = code;

    public bool Fatal { get; } = fatal;
}
