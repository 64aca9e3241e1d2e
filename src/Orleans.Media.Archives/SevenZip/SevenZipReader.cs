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

    // 7zz can only start at the archive's first file: it is used while the folders it would decode for nothing (that
    // liblzma jumps over: unselected, or done before a resume) stay under this.
    private const long MaxToolWaste = 8L * 1024 * 1024;

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

    // The 7zz child (see UseTool): the archive path and password it is started with, each file's offset in its output
    // (the stream files' data back to back), each folder's first offset, and the packed bytes up to each folder.
    private string? _toolArchive;
    private string? _toolPassword;
    private CancellationToken _toolToken;
    private TimeSpan _toolStallLimit;
    private SevenZipTool? _tool;
    private long[] _fileStart = [];
    private long[] _folderStart = [];
    private long[] _packThrough = [];
    private long _toolExpected;
    private long _toolSourceBytes;
    private bool _toolHandedOut;

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

    // With 7zz, a folder counts as read whole once it starts: the ratio guard then never sees more than the real ratio.
    public long SourceBytes => _sourceBytesDone + (_decoder?.SourceBytes ?? 0) + _toolSourceBytes;

    /// <summary>Whether a 7zz child decoded data this reader handed over.</summary>
    public bool UsedTool => _toolHandedOut;

    /// <summary>Why 7zz was given up before it handed anything over (liblzma decoded instead); null otherwise.</summary>
    public string? ToolFailure { get; private set; }

    /// <summary>
    /// Decodes with a <c>7zz</c> child (<see cref="SevenZipTool"/>) reading <paramref name="archive"/> (a path to the
    /// same file as the source) instead of liblzma, from the archive's first file on. False when 7zz cannot be used
    /// safely: a file without a CRC-32 (misread output could not be told), or a password 7zz's stdin line cannot carry.
    /// </summary>
    public bool UseTool(string archive, string? password, TimeSpan stallLimit, CancellationToken cancellationToken)
    {
        if (_directory.Files.Any(f => f.HasStream && f.Crc is null) || password?.IndexOfAny(['\n', '\r', '\0']) >= 0
            || _directory.Folders.Any(f => f.Coders.Any(c => DeclaredDictionary(c) > MaxToolDictionary)))
        {
            return false;
        }

        var files = _directory.Files;
        _fileStart = new long[files.Count];
        _folderStart = Enumerable.Repeat(-1L, _directory.Folders.Count).ToArray();
        long offset = 0;
        for (var i = 0; i < files.Count; i++)
        {
            _fileStart[i] = offset;
            if (files[i].HasStream)
            {
                if (_folderStart[files[i].Folder] < 0)
                {
                    _folderStart[files[i].Folder] = offset;
                }

                offset += files[i].Size;
            }
        }

        _packThrough = new long[_directory.Folders.Count];
        long packed = 0;
        for (var f = 0; f < _packThrough.Length; f++)
        {
            var folder = _directory.Folders[f];
            packed += Enumerable.Range(folder.FirstPackStream, folder.PackedStreams.Count).Sum(p => _directory.PackSizes[p]);
            _packThrough[f] = packed;
        }

        _toolArchive = archive;
        _toolPassword = password;
        _toolToken = cancellationToken;
        _toolStallLimit = stallLimit;
        _toolExpected = offset;
        return true;
    }

    /// <summary>
    /// The largest dictionary 7zz is given an archive for. 7zz allocates the dictionary a coder declares, however small
    /// the folder (up to 1.5 GB for LZMA2, 4 GB for LZMA), where liblzma's is clamped to the folder's output: an
    /// archive declaring more stays on liblzma, so a hostile header cannot take the silo's memory.
    /// </summary>
    internal const long MaxToolDictionary = 64L << 20;

    /// <summary>The dictionary an LZMA or LZMA2 coder declares in its properties; 0 for other coders.</summary>
    internal static long DeclaredDictionary(SevenZipCoder coder)
    {
        if (coder.Is(0x21))
        {
            // LZMA2: one byte d; 40 means 4 GiB - 1, else (2 | d & 1) << (d / 2 + 11); above 40 is invalid.
            return coder.Properties is [var d, ..] ? d switch
            {
                > 40 => long.MaxValue,
                40 => uint.MaxValue,
                _ => (2L | (d & 1)) << (d / 2 + 11),
            } : long.MaxValue;
        }

        if (coder.Is(0x03, 0x01, 0x01))
        {
            // LZMA: lc/lp/pb, then the dictionary size as 4 bytes little-endian.
            return coder.Properties.Length >= 5 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(coder.Properties.AsSpan(1, 4)) : long.MaxValue;
        }

        return 0;
    }

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
            ReleaseTool();
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
            var span = buffer[..(int)Math.Min(buffer.Length, remaining)];
            var n = ReadData(file, span);
            if (n == 0)
            {
                throw new InvalidDataException("the folder ends before the file's declared size");
            }

            _crc = Zlib.Crc32(_crc, buffer[..n]);
            _read += n;
            return n;
        }
        catch (InvalidDataException ex)
        {
            ReleaseDecoder();
            ReleaseTool();
            _toolArchive = null;
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

    public void Dispose()
    {
        ReleaseDecoder();
        ReleaseTool();
    }

    /// <summary>Stops using 7zz for good: liblzma decodes the rest, and <paramref name="sourceBytesRead"/> of the
    /// archive count as read by the tool.</summary>
    private void GiveUpTool(string reason, long sourceBytesRead)
    {
        ToolFailure = reason;
        _toolSourceBytes = sourceBytesRead;
        ReleaseTool();
        _toolArchive = null;
    }

    /// <summary>The current file's next bytes from 7zz while it serves, else from liblzma.</summary>
    private int ReadData(SevenZipFile file, Span<byte> span)
    {
        if (_toolArchive is not null)
        {
            try
            {
                if (PositionTool(file))
                {
                    var n = _tool!.Read(span);
                    _toolHandedOut |= n > 0;
                    return n;
                }
            }
            catch (InvalidDataException ex) when (!_toolHandedOut)
            {
                // 7zz failed before any of its output was used (it cannot open the archive, or the data is bad from the
                // start): liblzma decodes instead and gives the engine's own reason if the data is bad.
                GiveUpTool(ex.Message, sourceBytesRead: 0);
            }
            catch (TimeoutException ex)
            {
                // 7zz stalled and was killed. That says nothing about the data: liblzma goes on from this very byte (what
                // 7zz handed over stays; each file's CRC-32 covers both parts). The folders 7zz finished stay counted as read.
                GiveUpTool(ex.Message, _toolHandedOut && file.Folder > 0 ? _packThrough[file.Folder - 1] : 0);
            }
        }

        Position(file.Folder, file.FolderOffset + _read);
        var read = _decoder!.Read(span);
        _decoderOffset += read;
        return read;
    }

    /// <summary>
    /// Puts 7zz at the current file's next byte (starting it if needed): true when it serves the read. Gives it up for
    /// good when it would decode more than <see cref="MaxToolWaste"/> of folders liblzma jumps over.
    /// </summary>
    private bool PositionTool(SevenZipFile file)
    {
        var target = _fileStart[_index] + _read;
        var from = _tool?.Position ?? 0;
        if (from > target || _folderStart[file.Folder] - from > MaxToolWaste)
        {
            ReleaseTool();
            _toolArchive = null;
            return false;
        }

        if (_tool is null)
        {
            try
            {
                _tool = SevenZipTool.Start(_toolArchive!, _toolPassword, _toolExpected, _toolStallLimit, _toolToken);
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                ToolFailure = "7zz did not start: " + ex.Message;
                _toolArchive = null;
                return false;
            }
        }

        if (_tool.Position < target)
        {
            _scratch ??= new byte[SkipBytes];
            _tool.Skip(target - _tool.Position, _scratch);
        }

        _toolSourceBytes = _packThrough[file.Folder];
        return true;
    }

    private void ReleaseTool()
    {
        _tool?.Dispose();
        _tool = null;
    }

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
