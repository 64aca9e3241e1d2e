namespace Orleans.Media.Archives;

/// <summary>
/// Why an archive, or one entry of it, was not extracted. Callers switch on the code; the message is for humans.
/// </summary>
public enum ArchiveErrorCode
{
    /// <summary>Not a zip, 7z, RAR or tar archive (optionally gz/bz2/xz/zst-compressed).</summary>
    UnsupportedFormat = 1,

    /// <summary>Damaged or truncated data; entries before the damage are kept.</summary>
    Corrupt,

    /// <summary>The entry is encrypted and no passphrase was given.</summary>
    NoPassword,

    /// <summary>A passphrase was given but none of them opens the entry.</summary>
    WrongPassword,

    /// <summary>Encrypted 7z or RAR data or headers: libarchive cannot decrypt them.</summary>
    EncryptionNotSupported,

    /// <summary>More entries than <see cref="ArchiveLimits.MaxEntries"/>; nothing was written.</summary>
    TooManyEntries,

    /// <summary>The archive is larger than its format's limit; nothing was written.</summary>
    ArchiveTooLarge,

    /// <summary>Output grows far faster than input (a zip bomb); extraction stopped.</summary>
    CompressionRatioExceeded,

    /// <summary>Total output exceeds <see cref="ArchiveLimits.MaxTotalOutputBytes"/>; extraction stopped.</summary>
    OutputLimitExceeded,

    /// <summary>The entry name is absolute, has a drive letter or NUL, is empty, or its '..' segments leave the root.</summary>
    UnsafePath,

    /// <summary>A symbolic or hard link whose target is absolute or resolves outside the archive root.</summary>
    UnsafeLink,

    /// <summary>A link inside the root whose target is not a file written by this extraction.</summary>
    LinkNotMaterialized,

    /// <summary>A device, FIFO or socket entry, or a compression method libarchive cannot decode.</summary>
    UnsupportedEntry,

    /// <summary>Writing to object storage failed; extraction stopped.</summary>
    WriteFailed,

    /// <summary>Reading the archive from its source failed; extraction stopped.</summary>
    SourceReadFailed,
}
