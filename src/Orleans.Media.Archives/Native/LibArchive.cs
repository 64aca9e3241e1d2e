using System.Runtime.InteropServices;

namespace Orleans.Media.Archives.Native;

/// <summary>
/// The subset of libarchive 3.6 (<c>libarchive.so.13</c>) the engine uses. Strings come back as raw
/// <c>byte*</c> so the caller decides how to decode (UTF-8 first, a lossless escape for anything else).
/// </summary>
internal static unsafe partial class LibArchive
{
    private const string Library = "libarchive.so.13";

    public const int Eof = 1;
    public const int Ok = 0;
    public const int Retry = -10;
    public const int Warn = -20;
    public const int Failed = -25;
    public const int Fatal = -30;

    // archive_entry_filetype values (POSIX S_IF*).
    public const uint FileTypeMask = 0xF000;
    public const uint RegularFile = 0x8000;
    public const uint SymbolicLink = 0xA000;
    public const uint Directory = 0x4000;

    // archive_format() family codes (the high bits; the low 16 bits name the variant).
    public const int FormatBaseMask = 0xff0000;
    public const int FormatTar = 0x30000;
    public const int FormatZip = 0x50000;
    public const int FormatRar = 0xD0000;
    public const int Format7Zip = 0xE0000;
    public const int FormatRar5 = 0x100000;

    [LibraryImport(Library, EntryPoint = "archive_read_new")]
    public static partial SafeArchiveHandle ReadNew();

    [LibraryImport(Library, EntryPoint = "archive_read_free")]
    public static partial int ReadFree(nint archive);

    [LibraryImport(Library, EntryPoint = "archive_read_support_filter_all")]
    public static partial int SupportFilterAll(SafeArchiveHandle archive);

    [LibraryImport(Library, EntryPoint = "archive_read_support_format_zip")]
    public static partial int SupportFormatZip(SafeArchiveHandle archive);

    [LibraryImport(Library, EntryPoint = "archive_read_support_format_7zip")]
    public static partial int SupportFormat7Zip(SafeArchiveHandle archive);

    [LibraryImport(Library, EntryPoint = "archive_read_support_format_rar")]
    public static partial int SupportFormatRar(SafeArchiveHandle archive);

    [LibraryImport(Library, EntryPoint = "archive_read_support_format_rar5")]
    public static partial int SupportFormatRar5(SafeArchiveHandle archive);

    [LibraryImport(Library, EntryPoint = "archive_read_support_format_tar")]
    public static partial int SupportFormatTar(SafeArchiveHandle archive);

    [LibraryImport(Library, EntryPoint = "archive_read_add_passphrase")]
    public static partial int AddPassphrase(SafeArchiveHandle archive, byte* passphrase);

    [LibraryImport(Library, EntryPoint = "archive_read_set_read_callback")]
    public static partial int SetReadCallback(SafeArchiveHandle archive, delegate* unmanaged<nint, nint, nint*, nint> callback);

    [LibraryImport(Library, EntryPoint = "archive_read_set_seek_callback")]
    public static partial int SetSeekCallback(SafeArchiveHandle archive, delegate* unmanaged<nint, nint, long, int, long> callback);

    [LibraryImport(Library, EntryPoint = "archive_read_set_skip_callback")]
    public static partial int SetSkipCallback(SafeArchiveHandle archive, delegate* unmanaged<nint, nint, long, long> callback);

    [LibraryImport(Library, EntryPoint = "archive_read_set_close_callback")]
    public static partial int SetCloseCallback(SafeArchiveHandle archive, delegate* unmanaged<nint, nint, int> callback);

    [LibraryImport(Library, EntryPoint = "archive_read_set_callback_data")]
    public static partial int SetCallbackData(SafeArchiveHandle archive, nint data);

    [LibraryImport(Library, EntryPoint = "archive_read_open1")]
    public static partial int Open1(SafeArchiveHandle archive);

    [LibraryImport(Library, EntryPoint = "archive_read_next_header")]
    public static partial int NextHeader(SafeArchiveHandle archive, out nint entry);

    [LibraryImport(Library, EntryPoint = "archive_read_data")]
    public static partial nint ReadData(SafeArchiveHandle archive, byte* buffer, nuint size);

    [LibraryImport(Library, EntryPoint = "archive_read_data_skip")]
    public static partial int ReadDataSkip(SafeArchiveHandle archive);

    [LibraryImport(Library, EntryPoint = "archive_format")]
    public static partial int Format(SafeArchiveHandle archive);

    [LibraryImport(Library, EntryPoint = "archive_filter_bytes")]
    public static partial long FilterBytes(SafeArchiveHandle archive, int filter);

    [LibraryImport(Library, EntryPoint = "archive_read_header_position")]
    public static partial long HeaderPosition(SafeArchiveHandle archive);

    [LibraryImport(Library, EntryPoint = "archive_error_string")]
    public static partial byte* ErrorString(SafeArchiveHandle archive);

    [LibraryImport(Library, EntryPoint = "archive_errno")]
    public static partial int Errno(SafeArchiveHandle archive);

    // Entry accessors: the entry pointer is owned by the archive and valid until the next header.
    [LibraryImport(Library, EntryPoint = "archive_entry_pathname")]
    public static partial byte* EntryPathname(nint entry);

    [LibraryImport(Library, EntryPoint = "archive_entry_pathname_utf8")]
    public static partial byte* EntryPathnameUtf8(nint entry);

    [LibraryImport(Library, EntryPoint = "archive_entry_symlink")]
    public static partial byte* EntrySymlink(nint entry);

    [LibraryImport(Library, EntryPoint = "archive_entry_symlink_utf8")]
    public static partial byte* EntrySymlinkUtf8(nint entry);

    [LibraryImport(Library, EntryPoint = "archive_entry_hardlink")]
    public static partial byte* EntryHardlink(nint entry);

    [LibraryImport(Library, EntryPoint = "archive_entry_hardlink_utf8")]
    public static partial byte* EntryHardlinkUtf8(nint entry);

    [LibraryImport(Library, EntryPoint = "archive_entry_filetype")]
    public static partial uint EntryFiletype(nint entry);

    [LibraryImport(Library, EntryPoint = "archive_entry_size")]
    public static partial long EntrySize(nint entry);

    [LibraryImport(Library, EntryPoint = "archive_entry_size_is_set")]
    public static partial int EntrySizeIsSet(nint entry);

    [LibraryImport(Library, EntryPoint = "archive_entry_mtime")]
    public static partial long EntryMtime(nint entry);

    [LibraryImport(Library, EntryPoint = "archive_entry_mtime_is_set")]
    public static partial int EntryMtimeIsSet(nint entry);

    [LibraryImport(Library, EntryPoint = "archive_entry_is_encrypted")]
    public static partial int EntryIsEncrypted(nint entry);

    [LibraryImport("libc", EntryPoint = "setlocale")]
    public static partial nint SetLocale(int category, byte* locale);
}
