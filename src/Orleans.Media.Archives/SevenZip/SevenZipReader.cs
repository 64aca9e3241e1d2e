using System.Text;
using Orleans.Media.Archives.Native;

namespace Orleans.Media.Archives.SevenZip;

/// <summary>
/// The engine's own 7z decoder for folders of AES-256 → LZMA2/LZMA (with BCJ-type filters before LZMA2) or stored:
/// its own directory parser and key derivation, .NET's AES and the system liblzma (<see cref="FolderDecoder"/>).
/// SharpCompress's decoders are managed code (about half 7-Zip's speed on a solid LZMA2 block); this runs at
/// liblzma's. Files are read in header order, each folder decoded once front to back; a file's CRC-32 is checked
/// before its last bytes are handed over as done, so wrongly decrypted data is never completed.
/// </summary>
internal sealed class SevenZipReader : IEntryReader
{
    // A symlink's target is stored as the file's data; longer than this is not a path.
    private const int MaxLinkTarget = 4096;
    private const int SkipBytes = 256 * 1024;

    private readonly Stream _source;
    private readonly SevenZipDirectory _directory;
    private readonly FolderChain[] _chains;
    private readonly byte[]?[] _keys;
    private long _sourceBytesDone;
    private FolderDecoder? _decoder;
    private int _decoderFolder = -1;
    private long _decoderOffset;
    private int _index = -1;
    private SevenZipFile? _file;
    private long _read;
    private uint _crc;
    private bool _ended;
    private byte[]? _scratch;

    // Encrypted headers that decoded, or an encrypted file whose CRC-32 matched, prove the password: damage after
    // that is Corrupt. Before it a failure in encrypted data cannot be told from a wrong password.
    private bool _passwordProven;

    private SevenZipReader(Stream source, SevenZipDirectory directory, FolderChain[] chains, byte[]?[] keys)
    {
        _source = source;
        _directory = directory;
        _chains = chains;
        _keys = keys;
        _passwordProven = directory.HeaderEncrypted;
    }

    public ArchiveFormat Format => ArchiveFormat.SevenZip;

    public long SourceBytes => _sourceBytesDone + (_decoder?.SourceBytes ?? 0);

    /// <summary>Whether any folder is encrypted.</summary>
    public bool IsEncrypted => _chains.Any(c => c.Aes is not null);

    /// <summary>
    /// A reader when every folder of the 7z is one this decodes (see <see cref="FolderDecoder.TryChain"/>) and the
    /// password, if any folder or the header is encrypted, derives the keys; null otherwise (the caller falls back).
    /// <paramref name="expectedNames"/>: the names the plan listed, in order; a directory that disagrees is not read.
    /// </summary>
    public static SevenZipReader? TryOpen(Stream source, string? password, IReadOnlyList<string>? expectedNames)
    {
        var keys = new Dictionary<(int, string), byte[]>();
        try
        {
            var directory = SevenZipDirectory.Read(source, (encoded, _) => DecodeHeader(source, encoded, password, keys));
            if (directory is null || directory.Files.Any(f => f.IsAnti))
            {
                return null;
            }

            if (expectedNames is not null && !directory.Files.Select(f => f.Name.Replace('\\', '/').TrimEnd('/'))
                    .SequenceEqual(expectedNames.Select(n => n.Replace('\\', '/').TrimEnd('/')), StringComparer.Ordinal))
            {
                return null;
            }

            var chains = new FolderChain[directory.Folders.Count];
            var folderKeys = new byte[]?[directory.Folders.Count];
            for (var f = 0; f < chains.Length; f++)
            {
                if (FolderDecoder.TryChain(directory.Folders[f]) is not { } chain)
                {
                    return null;
                }

                if (chain.Aes is not null)
                {
                    if (password is null)
                    {
                        return null;
                    }

                    folderKeys[f] = Key(chain.Aes, password, keys);
                }

                chains[f] = chain;
            }

            return new SevenZipReader(source, directory, chains, folderKeys);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IndexOutOfRangeException or ArgumentOutOfRangeException
                                       or OverflowException or NotSupportedException or DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// A reader for a 7z none of whose folders is encrypted, when it decodes every folder; null otherwise (libarchive
    /// then reads it, and refuses encrypted entries when no password was given).
    /// </summary>
    public static SevenZipReader? TryOpenPlain(Stream source)
    {
        var reader = TryOpen(source, password: null, expectedNames: null);
        if (reader is { IsEncrypted: true })
        {
            reader.Dispose();
            return null;
        }

        return reader;
    }

    /// <summary>Every entry in reading order without reading data (a link's target is read when it is reached).</summary>
    public IReadOnlyList<RawEntry> List() => _directory.Files.Select(f => new RawEntry(
        f.Name,
        false,
        f.IsDirectory ? ArchiveEntryKind.Directory : IsLink(f) ? ArchiveEntryKind.SymbolicLink : ArchiveEntryKind.File,
        f.IsDirectory ? 0 : f.Size,
        ToTime(f.ModifiedFileTime),
        f.HasStream && _chains[f.Folder].Aes is not null,
        null)).ToList();

    /// <summary>Packed sizes as `7zz l` lists them: a folder's packed streams on its first file, 0 on the others.</summary>
    public IReadOnlyList<long> PackedSizes() => _directory.Files.Select(f =>
    {
        if (!f.FirstInFolder)
        {
            return 0L;
        }

        var folder = _directory.Folders[f.Folder];
        return Enumerable.Range(folder.FirstPackStream, folder.PackedStreams.Count).Sum(p => _directory.PackSizes[p]);
    }).ToList();

    public bool MoveNext(out RawEntry entry, out string? headerError)
    {
        headerError = null;
        _index++;
        if (_index >= _directory.Files.Count)
        {
            _file = null;
            entry = null!;
            ReleaseDecoder();
            return false;
        }

        var file = _directory.Files[_index];
        _file = file;
        _read = 0;
        _crc = 0;
        _ended = false;
        var encrypted = file.HasStream && _chains[file.Folder].Aes is not null;
        var kind = file.IsDirectory ? ArchiveEntryKind.Directory : ArchiveEntryKind.File;
        string? linkTarget = null;

        if (IsLink(file))
        {
            linkTarget = ReadLinkTarget(file);
            kind = ArchiveEntryKind.SymbolicLink;
        }

        entry = new RawEntry(file.Name, false, kind, file.IsDirectory ? 0 : file.Size, ToTime(file.ModifiedFileTime), encrypted, linkTarget);
        return true;
    }

    public int Read(Span<byte> buffer)
    {
        if (_file is not { HasStream: true } file || _ended || buffer.IsEmpty)
        {
            return 0;
        }

        var remaining = file.Size - _read;
        if (remaining == 0)
        {
            _ended = true;
            CheckCrc(file);
            return 0;
        }

        try
        {
            Position(file.Folder, file.FolderOffset + _read);
            var n = _decoder!.Read(buffer[..(int)Math.Min(buffer.Length, remaining)]);
            if (n == 0)
            {
                throw new InvalidDataException("the folder ends before the file's declared size");
            }

            _crc = Zlib.Crc32(_crc, buffer[..n]);
            _read += n;
            _decoderOffset += n;
            return n;
        }
        catch (InvalidDataException ex)
        {
            ReleaseDecoder();
            var wrongPassword = MaybeWrongPassword(file);
            throw new EntryDataException(
                wrongPassword ? ArchiveErrorCode.WrongPassword : ArchiveErrorCode.Corrupt,
                wrongPassword ? $"Incorrect password: the encrypted data does not decode ({ex.Message})" : ex.Message,
                fatal: true,
                null);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or TimeoutException or Storage.ObjectNotFoundException)
        {
            ReleaseDecoder();
            throw new EntryDataException(ArchiveErrorCode.SourceReadFailed, "reading the archive failed: " + ex.Message, fatal: true, ex);
        }
    }

    public void Dispose() => ReleaseDecoder();

    // p7zip and 7-Zip on Unix (-snl) keep the mode in the high 16 bits of the attributes (flag 0x8000).
    private static bool IsLink(SevenZipFile file) =>
        !file.IsDirectory && file.Attributes is { } attributes && (attributes & 0x8000) != 0 && ((attributes >> 16) & 0xF000) == 0xA000
        && file.Size <= MaxLinkTarget;

    private bool MaybeWrongPassword(SevenZipFile file) => file.HasStream && _chains[file.Folder].Aes is not null && !_passwordProven;

    private void CheckCrc(SevenZipFile file)
    {
        if (file.Crc is { } expected && _crc != expected)
        {
            var wrongPassword = MaybeWrongPassword(file);
            throw new EntryDataException(
                wrongPassword ? ArchiveErrorCode.WrongPassword : ArchiveErrorCode.Corrupt,
                wrongPassword
                    ? $"Incorrect password: the entry decrypts to data whose CRC-32 ({_crc:x8}) is not the {expected:x8} its header declares"
                    : $"CRC-32 mismatch: the data's is {_crc:x8}, its header declares {expected:x8}",
                fatal: true,
                null);
        }

        // 7z encrypts every folder with the one password.
        _passwordProven |= file.Crc is not null && _chains[file.Folder].Aes is not null;
    }

    /// <summary>Puts the decoder at <paramref name="offset"/> of <paramref name="folder"/>: a new one for another folder or an earlier offset.</summary>
    private void Position(int folder, long offset)
    {
        if (_decoder is null || _decoderFolder != folder || _decoderOffset > offset)
        {
            ReleaseDecoder();
            _decoder = FolderDecoder.Open(_source, _directory, _directory.Folders[folder], _chains[folder], _keys[folder]);
            _decoderFolder = folder;
            _decoderOffset = 0;
        }

        if (_decoderOffset < offset)
        {
            _scratch ??= new byte[SkipBytes];
            _decoder.Skip(offset - _decoderOffset, _scratch);
            _decoderOffset = offset;
        }
    }

    private void ReleaseDecoder()
    {
        if (_decoder is null)
        {
            return;
        }

        _sourceBytesDone += _decoder.SourceBytes;
        _decoder.Dispose();
        _decoder = null;
        _decoderFolder = -1;
    }

    private string ReadLinkTarget(SevenZipFile file)
    {
        var target = new byte[file.Size];
        try
        {
            var total = 0;
            while (total < target.Length && Read(target.AsSpan(total)) is > 0 and var n)
            {
                total += n;
            }

            Span<byte> end = stackalloc byte[1];
            Read(end); // at the end: the CRC-32 check
        }
        catch (EntryDataException ex)
        {
            throw new ArchiveException(ex.Code, ex.Message, EntryPaths.Normalize(file.Name), ex.InnerException);
        }

        // Handed over whole: the pipeline reads no data for a link.
        _ended = true;
        return Encoding.UTF8.GetString(target);
    }

    private static DateTimeOffset? ToTime(long? fileTime)
    {
        // FILETIME: 100 ns ticks since 1601; the engine keeps whole seconds.
        const long UnixEpoch = 116444736000000000;
        if (fileTime is not { } ticks || ticks < 0)
        {
            return null;
        }

        var seconds = (ticks - UnixEpoch) / 10_000_000;
        if (ticks < UnixEpoch && (ticks - UnixEpoch) % 10_000_000 != 0)
        {
            seconds--;
        }

        return seconds is >= -62135596800 and <= 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
    }

    internal static byte[]? DecodeHeader(Stream source, SevenZipDirectory encoded, string? password, Dictionary<(int, string), byte[]> keys)
    {
        var folder = encoded.Folders[0];
        if (FolderDecoder.TryChain(folder) is not { } chain || (chain.Aes is not null && password is null))
        {
            return null;
        }

        var key = chain.Aes is null ? null : Key(chain.Aes, password!, keys);
        using var decoder = FolderDecoder.Open(source, encoded, folder, chain, key);

        // The size comes from the (untrusted) header: the buffer grows with what actually decodes.
        var output = new byte[Math.Min(folder.UnpackSize, 64 * 1024)];
        var written = 0;
        while (written < folder.UnpackSize)
        {
            if (written == output.Length)
            {
                Array.Resize(ref output, (int)Math.Min(folder.UnpackSize, 2L * output.Length));
            }

            var n = decoder.Read(output.AsSpan(written));
            if (n == 0)
            {
                return null;
            }

            written += n;
        }

        return folder.Crc is { } crc && Zlib.Crc32(0, output) != crc ? null : output;
    }

    private static byte[] Key(SevenZipCoder aes, string password, Dictionary<(int, string), byte[]> keys)
    {
        var (cycles, salt, _) = SevenZipAes.ParseProperties(aes.Properties);
        var id = (cycles, Convert.ToHexString(salt));
        if (!keys.TryGetValue(id, out var key))
        {
            key = SevenZipAes.DeriveKey(password, salt, cycles);
            keys[id] = key;
        }

        return key;
    }
}
