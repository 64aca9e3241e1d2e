using Orleans.Media.Archives.Native;
using SharpCompress.Archives;
using SharpCompress.Archives.SevenZip;
using SharpCompress.Common;
using SharpCompress.Readers;
using SharpCompress.Readers.Rar;
using ScCryptographicException = SharpCompress.Common.CryptographicException;

namespace Orleans.Media.Archives.Managed;

/// <summary>
/// A SharpCompress read session for the 7z and RAR archives libarchive cannot decrypt. 7z goes through
/// <see cref="IArchive.ExtractAllEntries"/> (a solid block decoded once, front to back: entry-by-entry streams
/// re-decode the block and crawl), RAR through the forward-only reader, or, for a RAR whose encrypted headers the
/// listing already decrypted, through that listing's entries (<see cref="FromListing"/>). Each file's CRC-32 is checked
/// against its header, since SharpCompress lets some wrongly decrypted data through (RAR 4 stored data).
/// </summary>
internal sealed class ManagedArchiveReader : IEntryReader
{
    private readonly CountingStream _source;
    private readonly IArchive? _archive;
    private readonly IReader? _reader;
    private readonly bool _hasPassword;
    private readonly bool _solid;
    private readonly Dictionary<string, byte[]> _rar5Keys = new(StringComparer.Ordinal);
    private IEnumerator<IArchiveEntry>? _listed;
    private string? _password;
    private Stream? _data;
    private IEntry? _entry;
    private uint _crc;
    private bool _ended;

    // Once encrypted headers, or (7z) an encrypted file's CRC-32, have checked out, the password is right and a later
    // failure is damage, not a wrong password. Before that, damage in encrypted data cannot be told from a wrong one.
    private bool _passwordProven;

    private ManagedArchiveReader(ArchiveFormat format, CountingStream source, IArchive? archive, IReader? reader, bool hasPassword, bool solid)
    {
        Format = format;
        _source = source;
        _archive = archive;
        _reader = reader;
        _hasPassword = hasPassword;
        _solid = solid;
    }

    private bool MaybeWrongPassword => _entry?.IsEncrypted == true && _hasPassword && !_passwordProven;

    public ArchiveFormat Format { get; }

    public long SourceBytes => _source.BytesRead;

    /// <summary>Opens a session; <paramref name="headersEncrypted"/> says a failure to open means a wrong password.</summary>
    public static ManagedArchiveReader Open(Stream stream, ArchiveFormat format, string? password, bool headersEncrypted)
    {
        stream.Seek(0, SeekOrigin.Begin);
        var source = new CountingStream(stream);
        var options = Options(password);
        IArchive? archive = null;
        try
        {
            if (format == ArchiveFormat.SevenZip)
            {
                archive = SevenZipArchive.OpenArchive(source, options);
                return new ManagedArchiveReader(format, source, archive, archive.ExtractAllEntries(), password is not null, archive.IsSolid)
                {
                    _passwordProven = headersEncrypted,
                    _password = password,
                };
            }

            var reader = RarReader.OpenReader(source, options);
            return new ManagedArchiveReader(format, source, null, reader, password is not null, solid: false)
            {
                _passwordProven = headersEncrypted,
                _password = password,
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            archive?.Dispose();
            throw HeaderError(ex, source, password is not null, headersEncrypted, null);
        }
    }

    /// <summary>
    /// A session over the entries of the RAR (not solid) <paramref name="archive"/> whose encrypted headers its listing
    /// decrypted: SharpCompress derives the key again for every header it reads (RAR 4: ~5 MB and tens of ms each),
    /// so the entries are decoded from there rather than read again. Takes ownership of <paramref name="archive"/>.
    /// </summary>
    internal static ManagedArchiveReader FromListing(IArchive archive, CountingStream source, ArchiveFormat format, string password) =>
        new(format, source, archive, null, hasPassword: true, solid: false)
        {
            _listed = archive.Entries.GetEnumerator(),
            _passwordProven = true,
            _password = password,
        };

    internal static ReaderOptions Options(string? password) => new()
    {
        Password = password,
        LeaveStreamOpen = true,
    };

    public bool MoveNext(out RawEntry entry, out string? headerError)
    {
        headerError = null;
        var previous = _entry?.Key;
        CloseData();
        try
        {
            if (!(_listed?.MoveNext() ?? _reader!.MoveToNextEntry()))
            {
                entry = null!;
                return false;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw HeaderError(ex, _source, _hasPassword, headersEncrypted: false, previous);
        }

        _entry = _listed is null ? _reader!.Entry : _listed.Current;
        _crc = 0;
        _ended = false;
        entry = ToRaw(_entry);
        return true;
    }

    public int Read(Span<byte> buffer)
    {
        if (_entry is null || _ended)
        {
            return 0;
        }

        int n;
        try
        {
            _data ??= _listed is null ? _reader!.OpenEntryStream() : _listed.Current.OpenEntryStream();
            n = _data.Read(buffer);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw DataError(ex);
        }

        if (n > 0)
        {
            _crc = Zlib.Crc32(_crc, buffer[..n]);
            return n;
        }

        _ended = true;

        // RAR 5 may store an encrypted file's CRC-32 keyed by the password (Rar5Checksum): either form is accepted.
        var expected = (uint)_entry.Crc;
        var checkable = expected != 0;
        if (checkable && _crc != expected && !(Format == ArchiveFormat.Rar5 && _entry.IsEncrypted && _password is not null
            && Rar5Checksum.Keyed(_entry, _password, _crc, _rar5Keys) == expected))
        {
            var wrongPassword = MaybeWrongPassword;
            throw new EntryDataException(
                wrongPassword ? ArchiveErrorCode.WrongPassword : ArchiveErrorCode.Corrupt,
                wrongPassword
                    ? $"Incorrect password: the entry decrypts to data whose CRC-32 ({_crc:x8}) is not the {expected:x8} its header declares"
                    : $"CRC-32 mismatch: the data's is {_crc:x8}, its header declares {expected:x8}",
                fatal: _solid || Format == ArchiveFormat.SevenZip,
                null);
        }

        // 7z encrypts every folder with the one password; RAR salts (and may key) each file on its own.
        _passwordProven |= _entry.IsEncrypted && checkable && Format == ArchiveFormat.SevenZip;
        return 0;
    }

    public void Dispose()
    {
        CloseData();
        _listed?.Dispose();
        _reader?.Dispose();
        _archive?.Dispose();
    }

    private void CloseData()
    {
        var data = _data;
        _data = null;
        try
        {
            data?.Dispose();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Disposing skips the rest of an unread entry; its failure surfaces on the next header read.
        }
    }

    internal static RawEntry ToRaw(IEntry e)
    {
        var kind = e.IsDirectory ? ArchiveEntryKind.Directory
            : !string.IsNullOrEmpty(e.LinkTarget) ? ArchiveEntryKind.SymbolicLink
            : ArchiveEntryKind.File;
        DateTimeOffset? mtime = e.LastModifiedTime is { } t
            ? DateTimeOffset.FromUnixTimeSeconds(new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Local) : t).ToUnixTimeSeconds())
            : null;
        return new RawEntry(e.Key ?? string.Empty, false, kind, e.IsDirectory ? 0 : e.Size, mtime, e.IsEncrypted, kind == ArchiveEntryKind.SymbolicLink ? e.LinkTarget : null);
    }

    private EntryDataException DataError(Exception ex)
    {
        if (_source.Failure is { } io)
        {
            return new EntryDataException(ArchiveErrorCode.SourceReadFailed, "reading the archive failed: " + io.Message, fatal: true, io);
        }

        var code = Classify(ex, MaybeWrongPassword);

        // A solid block, or a 7z folder, cannot be resumed past a failed entry: the decoder state is gone.
        return new EntryDataException(code, Describe(code, ex), fatal: _solid || Format == ArchiveFormat.SevenZip, null);
    }

    private static ArchiveException HeaderError(Exception ex, CountingStream source, bool hasPassword, bool headersEncrypted, string? previous)
    {
        if (source.Failure is { } io)
        {
            return new ArchiveException(ArchiveErrorCode.SourceReadFailed, "reading the archive failed: " + io.Message, previous, io);
        }

        // Encrypted headers decrypted with a wrong password are garbage: RAR 4 then reports an unknown header.
        var code = Classify(ex, headersEncrypted && hasPassword);
        var where = previous is null ? "the archive's headers" : $"the header after '{previous}'";
        return new ArchiveException(code, $"reading {where}: {Describe(code, ex)}", previous);
    }

    /// <summary>
    /// Maps SharpCompress's exception shapes (0.50.9) to a code. Wrong passwords come as
    /// <see cref="ScCryptographicException"/> (7z, RAR 5), <see cref="InvalidFormatException"/> (RAR 4 headers),
    /// <see cref="ArchiveOperationException"/> (RAR 4 data: size mismatch) or any decoder error on decrypted data.
    /// </summary>
    internal static ArchiveErrorCode Classify(Exception ex, bool decryptedWithPassword)
    {
        if (ex is ScCryptographicException or System.Security.Cryptography.CryptographicException)
        {
            return ex.Message.Contains("no password", StringComparison.OrdinalIgnoreCase)
                ? ArchiveErrorCode.NoPassword
                : ArchiveErrorCode.WrongPassword;
        }

        if (ex is NotSupportedException || ex.Message.Contains("not supported", StringComparison.OrdinalIgnoreCase))
        {
            return ex.Message.Contains("encrypt", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("password", StringComparison.OrdinalIgnoreCase)
                ? ArchiveErrorCode.EncryptionNotSupported
                : decryptedWithPassword ? ArchiveErrorCode.WrongPassword : ArchiveErrorCode.UnsupportedEntry;
        }

        return decryptedWithPassword ? ArchiveErrorCode.WrongPassword : ArchiveErrorCode.Corrupt;
    }

    private static string Describe(ArchiveErrorCode code, Exception ex) => code switch
    {
        ArchiveErrorCode.WrongPassword => "Incorrect password: " + ex.Message,
        ArchiveErrorCode.NoPassword => "Passphrase required: " + ex.Message,
        _ => ex.Message,
    };
}
