using System.Runtime.InteropServices;
using System.Text;

namespace Orleans.Media.Archives.Native;

/// <summary>
/// One libarchive read session over a stream: headers in order, then each entry's data or a skip.
/// Not thread-safe; the engine drives it from a single decoder thread.
/// </summary>
internal sealed unsafe class ArchiveReader : IEntryReader
{
    private readonly SafeArchiveHandle _archive;
    private readonly StreamSource _source;
    private nint _entry;
    private bool _hasPassphrases;
    private bool _currentEncrypted;

    private ArchiveReader(SafeArchiveHandle archive, StreamSource source)
    {
        _archive = archive;
        _source = source;
    }

    public ArchiveFormat Format { get; private set; }

    /// <summary>The current entry's name, for error messages.</summary>
    public string? CurrentName { get; private set; }

    /// <summary>Bytes libarchive has consumed from the source, skips included.</summary>
    public long SourceBytes => LibArchive.FilterBytes(_archive, -1);

    /// <summary>Source offset where libarchive started reading the current header.</summary>
    public long HeaderPosition => LibArchive.HeaderPosition(_archive);

    /// <summary>
    /// libarchive 3.6 does not flag encrypted RAR5 entries and then fails on their data as if it were corrupt;
    /// this reads the entry's own header to tell the two apart.
    /// </summary>
    public bool IsRar5EntryEncrypted(string name)
    {
        // A file header is a few hundred bytes; look further only when service headers sit in between.
        foreach (var size in (ReadOnlySpan<int>)[4 * 1024, 256 * 1024])
        {
            var buffer = new byte[size];
            var n = _source.PeekAt(HeaderPosition, buffer);
            if (Rar5HeaderProbe.Find(buffer.AsSpan(0, n), HeaderPosition == 0, name) is { } encrypted)
            {
                return encrypted;
            }

            if (n < size)
            {
                break;
            }
        }

        return false;
    }

    public static ArchiveReader Open(Stream stream, IReadOnlyList<string> passphrases)
    {
        NativeLocale.EnsureUtf8();
        var archive = LibArchive.ReadNew();
        if (archive.IsInvalid)
        {
            throw new OutOfMemoryException("archive_read_new returned NULL.");
        }

        var source = new StreamSource(stream);
        var reader = new ArchiveReader(archive, source);
        try
        {
            // Only the formats the product supports: detection is by content among these.
            LibArchive.SupportFilterAll(archive);
            LibArchive.SupportFormatZip(archive);
            LibArchive.SupportFormat7Zip(archive);
            LibArchive.SupportFormatRar(archive);
            LibArchive.SupportFormatRar5(archive);
            LibArchive.SupportFormatTar(archive);
            reader._hasPassphrases = passphrases.Count > 0;
            foreach (var p in passphrases)
            {
                var bytes = Encoding.UTF8.GetBytes(p + "\0");
                fixed (byte* ptr = bytes)
                {
                    reader.Check(LibArchive.AddPassphrase(archive, ptr), null);
                }
            }

            StreamSource.Register(archive, source);
            var status = LibArchive.Open1(archive);
            if (status < LibArchive.Warn)
            {
                throw reader.Error(ArchiveErrorCode.UnsupportedFormat, null);
            }

            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Advances to the next header. Returns false at the end. A header libarchive could read but not use comes
    /// back with <paramref name="headerError"/> set; a fatal error throws <see cref="ArchiveException"/>.
    /// </summary>
    public bool MoveNext(out RawEntry entry, out string? headerError)
    {
        var previous = CurrentName;
        var status = LibArchive.NextHeader(_archive, out _entry);
        headerError = null;
        if (status == LibArchive.Eof)
        {
            entry = null!;
            return false;
        }

        if (status == LibArchive.Fatal || _entry == nint.Zero)
        {
            CurrentName = null;
            var where = previous is null ? "the first entry's header" : $"the header after '{previous}'";
            throw Error(ArchiveErrorCode.Corrupt, previous, $"reading {where}: ");
        }

        if (Format == ArchiveFormat.Unknown)
        {
            Format = MapFormat(LibArchive.Format(_archive));
        }

        if (status == LibArchive.Failed)
        {
            headerError = ErrorText(_archive);
        }

        entry = ReadEntry(_entry);
        CurrentName = entry.Name;
        _currentEncrypted = entry.IsEncrypted;
        return true;
    }

    /// <summary>
    /// Decodes into <paramref name="buffer"/>; 0 at the entry's end. Throws <see cref="EntryDataException"/> on failure.
    /// A warning is a failure of the entry too: libarchive warns when the data does not match the header's check
    /// values (zip: "ZIP bad CRC", sizes), and archive_read_data drops the bytes it had already copied in that call,
    /// so reading on would publish a damaged object.
    /// </summary>
    public int Read(Span<byte> buffer)
    {
        nint n;
        fixed (byte* p = buffer)
        {
            n = LibArchive.ReadData(_archive, p, (nuint)buffer.Length);
        }

        if (n >= 0)
        {
            return (int)n;
        }

        if (n == LibArchive.Retry)
        {
            return Read(buffer);
        }

        var text = ErrorText(_archive);
        var code = Classify(text, ArchiveErrorCode.Corrupt);

        // ZipCrypto checks a passphrase against one byte only, so about 1 wrong passphrase in 256 passes and then
        // fails as undecodable data. For an encrypted zip entry read with a passphrase, that is the likelier cause.
        if (code == ArchiveErrorCode.Corrupt && _currentEncrypted && _hasPassphrases && Format == ArchiveFormat.Zip && _source.Failure is null)
        {
            code = ArchiveErrorCode.WrongPassword;
            text = "Incorrect passphrase (it passed ZipCrypto's one-byte check, but the data does not decrypt): " + text;
        }

        throw new EntryDataException(code, text, fatal: n == LibArchive.Fatal || _source.Failure is not null, _source.Failure);
    }

    public void Skip()
    {
        var status = LibArchive.ReadDataSkip(_archive);
        if (status == LibArchive.Fatal)
        {
            throw Error(ArchiveErrorCode.Corrupt, CurrentName);
        }
    }

    public void Dispose()
    {
        _archive.Dispose();
        _source.Dispose();
    }

    internal static string ErrorText(SafeArchiveHandle archive)
    {
        var p = LibArchive.ErrorString(archive);
        return p == null ? "unknown libarchive error" : Marshal.PtrToStringUTF8((nint)p) ?? "unknown libarchive error";
    }

    /// <summary>
    /// Maps libarchive's message to a code. libarchive signals password and encryption problems only by text
    /// (errno is the generic ARCHIVE_ERRNO_FILE_FORMAT), so the matching lives here, once, not in callers.
    /// </summary>
    internal static ArchiveErrorCode Classify(string message, ArchiveErrorCode fallback)
    {
        if (message.Contains("Passphrase required", StringComparison.OrdinalIgnoreCase))
        {
            return ArchiveErrorCode.NoPassword;
        }

        if (message.Contains("Incorrect passphrase", StringComparison.OrdinalIgnoreCase))
        {
            return ArchiveErrorCode.WrongPassword;
        }

        if (message.Contains("encrypt", StringComparison.OrdinalIgnoreCase))
        {
            return ArchiveErrorCode.EncryptionNotSupported;
        }

        // A method or filter libarchive cannot decode is the entry's alone (the others still extract); only damage
        // stops an extraction, so these must not fall through to Corrupt. libarchive's wordings: "Unsupported ZIP
        // compression method", "... is not supported", 7z "Unexpected codec ID" / "Unknown codec", RAR "Unknown
        // compression method", "Unsupported filter".
        if (message.Contains("unsupported", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("not supported", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("unexpected codec", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("unknown codec", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("unknown compression", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("unknown filter", StringComparison.OrdinalIgnoreCase))
        {
            return ArchiveErrorCode.UnsupportedEntry;
        }

        return fallback;
    }

    private ArchiveException Error(ArchiveErrorCode fallback, string? entryName, string prefix = "")
    {
        if (_source.Failure is { } io)
        {
            return new ArchiveException(ArchiveErrorCode.SourceReadFailed, prefix + "reading the archive failed: " + io.Message, entryName, io);
        }

        var text = ErrorText(_archive);
        return new ArchiveException(Classify(text, fallback), prefix + text, entryName);
    }

    private void Check(int status, string? entryName)
    {
        if (status < LibArchive.Warn)
        {
            throw Error(ArchiveErrorCode.Corrupt, entryName);
        }
    }

    private static ArchiveFormat MapFormat(int code) => (code & LibArchive.FormatBaseMask) switch
    {
        LibArchive.FormatZip => ArchiveFormat.Zip,
        LibArchive.Format7Zip => ArchiveFormat.SevenZip,
        LibArchive.FormatRar => ArchiveFormat.Rar,
        LibArchive.FormatRar5 => ArchiveFormat.Rar5,
        LibArchive.FormatTar => ArchiveFormat.Tar,
        _ => ArchiveFormat.Unknown,
    };

    private static RawEntry ReadEntry(nint e)
    {
        var name = DecodeString(LibArchive.EntryPathnameUtf8(e), LibArchive.EntryPathname(e), out var escaped) ?? string.Empty;
        var type = LibArchive.EntryFiletype(e) & LibArchive.FileTypeMask;
        var hardlink = DecodeString(LibArchive.EntryHardlinkUtf8(e), LibArchive.EntryHardlink(e), out _);
        var symlink = type == LibArchive.SymbolicLink
            ? DecodeString(LibArchive.EntrySymlinkUtf8(e), LibArchive.EntrySymlink(e), out _)
            : null;
        var kind = hardlink is not null ? ArchiveEntryKind.HardLink
            : type switch
            {
                LibArchive.RegularFile => ArchiveEntryKind.File,
                LibArchive.Directory => ArchiveEntryKind.Directory,
                LibArchive.SymbolicLink => ArchiveEntryKind.SymbolicLink,
                _ => ArchiveEntryKind.Other,
            };

        // Some writers mark folders only by a trailing slash.
        if (kind == ArchiveEntryKind.File && (name.EndsWith('/') || name.EndsWith('\\')))
        {
            kind = ArchiveEntryKind.Directory;
        }

        long? size = LibArchive.EntrySizeIsSet(e) != 0 ? LibArchive.EntrySize(e) : null;
        DateTimeOffset? mtime = LibArchive.EntryMtimeIsSet(e) != 0 ? DateTimeOffset.FromUnixTimeSeconds(LibArchive.EntryMtime(e)) : null;
        return new RawEntry(name, escaped, kind, size, mtime, LibArchive.EntryIsEncrypted(e) != 0, hardlink ?? symlink);
    }

    private static string? DecodeString(byte* utf8, byte* raw, out bool escaped)
    {
        escaped = false;
        if (utf8 != null)
        {
            return Marshal.PtrToStringUTF8((nint)utf8);
        }

        if (raw == null)
        {
            return null;
        }

        return EntryPaths.Decode(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(raw), out escaped);
    }
}
