using Orleans.Media.Archives;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>The task's <c>Code</c> for each way an extraction ends, one distinct code per cause.</summary>
public static class FileUncompressionCodes
{
    public const string SourceNotFound = "ResourceNotFound";
    public const string InternalError = "InternalError";

    public static string For(ArchiveErrorCode code) => code switch
    {
        ArchiveErrorCode.UnsupportedFormat => "InvalidArchive.UnsupportedFormat",
        ArchiveErrorCode.Corrupt => "InvalidArchive.Corrupted",
        ArchiveErrorCode.NoPassword => "InvalidArchive.PasswordRequired",
        ArchiveErrorCode.WrongPassword => "InvalidArchive.PasswordIncorrect",
        ArchiveErrorCode.EncryptionNotSupported => "InvalidArchive.EncryptionNotSupported",
        ArchiveErrorCode.TooManyEntries => "LimitExceeded.FileCount",
        ArchiveErrorCode.ArchiveTooLarge => "LimitExceeded.ArchiveSize",
        ArchiveErrorCode.CompressionRatioExceeded => "InvalidArchive.CompressionRatioExceeded",
        ArchiveErrorCode.OutputLimitExceeded => "LimitExceeded.OutputSize",
        ArchiveErrorCode.UnsafePath => "InvalidArchive.UnsafePath",
        ArchiveErrorCode.UnsafeLink => "InvalidArchive.UnsafeLink",
        ArchiveErrorCode.LinkNotMaterialized => "InvalidArchive.LinkNotMaterialized",
        ArchiveErrorCode.UnsupportedEntry => "InvalidArchive.UnsupportedEntry",
        ArchiveErrorCode.WriteFailed => "TargetWriteFailed",
        ArchiveErrorCode.SourceReadFailed => "SourceReadFailed",
        _ => InternalError,
    };

    /// <summary>Storage trouble is worth another attempt (from the checkpoint); the archive's own faults are not.</summary>
    public static bool IsTransient(ArchiveErrorCode code) => code is ArchiveErrorCode.WriteFailed or ArchiveErrorCode.SourceReadFailed;
}
