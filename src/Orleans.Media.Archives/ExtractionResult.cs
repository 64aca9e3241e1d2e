namespace Orleans.Media.Archives;

/// <summary>
/// What an extraction did. <see cref="Error"/> is set when it stopped early (limits, bomb guards, corrupt data,
/// storage failure); entries finished before that are in <see cref="Entries"/> and stay written.
/// </summary>
public sealed record ExtractionResult
{
    public required ArchiveFormat Format { get; init; }

    /// <summary>Per-entry outcomes in archive order (selected entries only when a selection was given).</summary>
    public required IReadOnlyList<ExtractedEntry> Entries { get; init; }

    public ArchiveError? Error { get; init; }

    /// <summary>Everything done, including entries resumed from a previous checkpoint.</summary>
    public required ExtractionCheckpoint Checkpoint { get; init; }

    public long BytesWritten { get; init; }

    /// <summary>Selected paths that matched no entry.</summary>
    public IReadOnlyList<string> UnmatchedSelections { get; init; } = [];

    /// <summary>Bytes fetched from the source object, when the source reports it (see <see cref="ObjectArchiveExtractor"/>).</summary>
    public long? SourceBytesFetched { get; init; }

    public bool Succeeded => Error is null;

    public bool IsEncrypted { get; init; }

    /// <summary>The decoder that read the archive's data.</summary>
    public ArchiveDecoder Decoder { get; init; }

    /// <summary>Times SharpCompress opened the archive; each open of encrypted headers derives the key again.</summary>
    internal int ManagedOpens { get; init; }

    /// <summary>The first password outcome among the entries (NoPassword, WrongPassword, EncryptionNotSupported), if any.</summary>
    public ArchiveErrorCode? PasswordProblem =>
        Error?.Code is ArchiveErrorCode.EncryptionNotSupported or ArchiveErrorCode.NoPassword or ArchiveErrorCode.WrongPassword
            ? Error.Code
            : Entries.FirstOrDefault(e => e.Code is ArchiveErrorCode.NoPassword or ArchiveErrorCode.WrongPassword or ArchiveErrorCode.EncryptionNotSupported)?.Code;

    public ExtractionResult ThrowIfFailed() => Error is null ? this : throw new ArchiveException(Error);
}
