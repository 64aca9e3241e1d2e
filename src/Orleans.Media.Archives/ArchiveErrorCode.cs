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

    /// <summary>
    /// The entry (or, with <see cref="ArchiveError"/>, the archive's headers) is encrypted and no passphrase was given.
    /// Nothing encrypted was decoded. Message starts "Passphrase required".
    /// </summary>
    NoPassword,

    /// <summary>
    /// A passphrase was given but none of them opens the entry (or the archive's encrypted headers). The entry is never
    /// written: a check value (RAR 5, WinZip AES, ZipCrypto's byte), a decoder error or the CRC-32 at its end refuses it
    /// before its object is completed. Message starts "Incorrect passphrase" (libarchive) or "Incorrect password".
    /// </summary>
    WrongPassword,

    /// <summary>
    /// An encryption neither decoder opens (zip strong encryption, a 7z or RAR cipher SharpCompress lacks), whatever the
    /// passphrase. Encrypted 7z and RAR 4/5 data and headers are decrypted (SharpCompress) when a passphrase is given.
    /// </summary>
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
