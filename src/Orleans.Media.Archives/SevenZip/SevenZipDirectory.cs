using System.Buffers.Binary;
using System.Text;
using static Orleans.Media.Archives.SevenZip.SevenZipPropertyIds;

namespace Orleans.Media.Archives.SevenZip;

/// <summary>One coder of a folder: its method id, properties and stream counts.</summary>
internal sealed record SevenZipCoder(byte[] Id, byte[] Properties, int InStreams, int OutStreams)
{
    public bool Is(params byte[] id) => Id.AsSpan().SequenceEqual(id);
}

/// <summary>A 7z folder (a compressed block): coders, how their streams bind, and where its packed data lies.</summary>
internal sealed class SevenZipFolder
{
    public required IReadOnlyList<SevenZipCoder> Coders { get; init; }

    /// <summary>(in-stream, out-stream) pairs: the coder owning the in-stream reads what the other coder's out-stream gives.</summary>
    public required IReadOnlyList<(int InIndex, int OutIndex)> BindPairs { get; init; }

    /// <summary>The in-streams fed from packed streams, in pack-stream order.</summary>
    public required IReadOnlyList<int> PackedStreams { get; init; }

    /// <summary>One size per out-stream (all coders' out-streams in order).</summary>
    public List<long> UnpackSizes { get; } = [];

    public uint? Crc { get; set; }

    /// <summary>Files (sub-streams) stored in this folder.</summary>
    public long UnpackStreams { get; set; } = 1;

    /// <summary>Index of this folder's first packed stream in <see cref="SevenZipDirectory.PackSizes"/>.</summary>
    public int FirstPackStream { get; set; }

    /// <summary>The out-stream no bind pair consumes: the folder's output.</summary>
    public int MainOutStream
    {
        get
        {
            for (var o = 0; o < UnpackSizes.Count; o++)
            {
                if (!BindPairs.Any(b => b.OutIndex == o))
                {
                    return o;
                }
            }

            throw new InvalidDataException("7z folder without an unbound out-stream");
        }
    }

    public long UnpackSize => UnpackSizes[MainOutStream];
}

/// <summary>A file record: data (if any) lives in <see cref="Folder"/> at <see cref="FolderOffset"/>.</summary>
internal sealed record SevenZipFile(
    string Name,
    bool HasStream,
    bool IsDirectory,
    bool IsAnti,
    long Size,
    uint? Crc,
    long? ModifiedFileTime,
    uint? Attributes,
    int Folder,
    long FolderOffset,
    bool FirstInFolder);

/// <summary>
/// A 7z's directory (the header at its end) parsed in full: folders and their coders, packed stream positions, and
/// every file with its place in a folder, size, CRC, time and attributes. The input is untrusted: counts are bounded
/// by the header's bytes and sizes by the archive's length; damage throws <see cref="InvalidDataException"/> (or an
/// index/overflow exception the callers treat alike).
/// </summary>
internal sealed class SevenZipDirectory
{
    public const int SignatureHeaderSize = 32;

    // A header of 80,000 entries is a few MB; the cap bounds what a hostile header can make us allocate.
    public const long MaxHeaderBytes = 64L * 1024 * 1024;

    private static ReadOnlySpan<byte> Signature => [(byte)'7', (byte)'z', 0xBC, 0xAF, 0x27, 0x1C];

    /// <summary>Absolute offset of the first packed stream (32 + the header's pack position).</summary>
    public long PackStart { get; private set; }

    public List<long> PackSizes { get; } = [];

    public List<SevenZipFolder> Folders { get; } = [];

    public List<SevenZipFile> Files { get; } = [];

    /// <summary>Whether the header itself was encoded with an AES coder (decrypted with the given key source).</summary>
    public bool HeaderEncrypted { get; private set; }

    /// <summary>Absolute offset of a folder's first packed stream.</summary>
    public long PackOffset(SevenZipFolder folder)
    {
        var offset = PackStart;
        for (var p = 0; p < folder.FirstPackStream; p++)
        {
            offset = checked(offset + PackSizes[p]);
        }

        return offset;
    }

    /// <summary>
    /// The next-header bytes the start header points to, bounds checked (InvalidDataException when they lie outside
    /// the archive or exceed <see cref="MaxHeaderBytes"/>); null when the stream cannot seek or is not a 7z.
    /// </summary>
    internal static byte[]? ReadNextHeader(Stream stream)
    {
        // The header sits at the end: without seeking there is nothing to read (and Seek would throw).
        if (!stream.CanSeek || !stream.CanRead)
        {
            return null;
        }

        var length = stream.Length;
        var start = new byte[SignatureHeaderSize];
        stream.Seek(0, SeekOrigin.Begin);
        stream.ReadExactly(start);
        if (!start.AsSpan(0, 6).SequenceEqual(Signature))
        {
            return null;
        }

        var nextOffset = BinaryPrimitives.ReadInt64LittleEndian(start.AsSpan(12));
        var nextSize = BinaryPrimitives.ReadInt64LittleEndian(start.AsSpan(20));
        // Compared by subtraction: offset + size from a hostile header can overflow a long.
        if (nextOffset < 0 || nextSize is <= 0 or > MaxHeaderBytes || nextOffset > length - SignatureHeaderSize - nextSize)
        {
            throw new InvalidDataException("7z start header points outside the archive");
        }

        var header = new byte[nextSize];
        stream.Seek(SignatureHeaderSize + nextOffset, SeekOrigin.Begin);
        stream.ReadExactly(header);
        return header;
    }

    /// <summary>
    /// Reads the directory of the 7z in <paramref name="stream"/> (seekable). An encoded header is decoded through
    /// <paramref name="decodeHeader"/> (the header's own one-folder streams info, its pack offset and the archive
    /// length; returns the plain header or null); without one only a plain header reads. Null when the stream is not
    /// a 7z or cannot seek.
    /// </summary>
    public static SevenZipDirectory? Read(Stream stream, Func<SevenZipDirectory, long, byte[]?>? decodeHeader)
    {
        if (ReadNextHeader(stream) is not { } header)
        {
            return null;
        }

        var length = stream.Length;

        var encrypted = false;
        // An encoded header is a small archive of its own whose one folder holds the real header. 7-Zip decodes one
        // level only (the decoded header must be a plain one), so a hostile chain cannot multiply allocations.
        if (header[0] == EncodedHeader)
        {
            var cursor = new HeaderCursor(header, 1);
            var encoded = new SevenZipDirectory();
            encoded.ReadStreamsInfo(ref cursor);
            if (encoded.Folders.Count != 1 || encoded.PackSizes.Count == 0 || decodeHeader is null)
            {
                return null;
            }

            var folder = encoded.Folders[0];
            if (folder.UnpackSize is <= 0 or > MaxHeaderBytes || encoded.PackSizes.Any(s => s is <= 0 or > MaxHeaderBytes)
                || encoded.PackStart > length - encoded.PackSizes.Sum())
            {
                throw new InvalidDataException("7z encoded header outside the archive");
            }

            encrypted = folder.Coders.Any(c => c.Is(SevenZipAes.MethodId));
            header = decodeHeader(encoded, length) ?? [];
        }

        if (header.Length == 0 || header[0] != Header)
        {
            return null;
        }

        var directory = new SevenZipDirectory { HeaderEncrypted = encrypted };
        directory.ReadHeader(new HeaderCursor(header, 1), length);
        return directory;
    }

    private void ReadHeader(HeaderCursor cursor, long archiveLength)
    {
        var id = cursor.Byte();
        if (id == ArchiveProperties)
        {
            while (cursor.Byte() != End)
            {
                cursor.Skip(cursor.Number());
            }

            id = cursor.Byte();
        }

        if (id == AdditionalStreamsInfo)
        {
            new SevenZipDirectory().ReadStreamsInfo(ref cursor);
            id = cursor.Byte();
        }

        if (id == MainStreamsInfo)
        {
            ReadStreamsInfo(ref cursor);
            id = cursor.Byte();
        }

        // Packed data lives inside the archive: a larger total is a damaged or hostile header, not a plan.
        var packed = 0L;
        foreach (var size in PackSizes)
        {
            packed = checked(packed + size);
        }

        if (PackStart > archiveLength || packed > archiveLength - PackStart)
        {
            throw new InvalidDataException("7z packed streams past the end of the archive");
        }

        if (id == FilesInfo)
        {
            ReadFiles(ref cursor);
        }
        else if (id != End)
        {
            throw new InvalidDataException($"7z header property {id}");
        }
    }

    private void ReadStreamsInfo(ref HeaderCursor cursor)
    {
        var subStreams = false;
        List<long>? sizes = null;
        uint?[]? digests = null;
        while (true)
        {
            var id = cursor.Byte();
            switch (id)
            {
                case End:
                    AssignSubStreams(subStreams, sizes, digests);
                    return;
                case PackInfo:
                    PackStart = checked(SignatureHeaderSize + cursor.Size());
                    var count = cursor.Count();
                    for (var property = cursor.Byte(); property != End; property = cursor.Byte())
                    {
                        if (property == Size)
                        {
                            for (var i = 0; i < count; i++)
                            {
                                PackSizes.Add(cursor.Size());
                            }
                        }
                        else if (property == Crc)
                        {
                            cursor.Digests(count);
                        }
                        else
                        {
                            throw new InvalidDataException($"7z PackInfo property {property}");
                        }
                    }

                    break;
                case UnpackInfo:
                    ReadUnpackInfo(ref cursor);
                    break;
                case SubStreamsInfo:
                    subStreams = true;
                    (sizes, digests) = ReadSubStreamsInfo(ref cursor);
                    break;
                default:
                    throw new InvalidDataException($"7z StreamsInfo property {id}");
            }
        }
    }

    private void ReadUnpackInfo(ref HeaderCursor cursor)
    {
        if (cursor.Byte() != Folder)
        {
            throw new InvalidDataException("7z UnpackInfo without folders");
        }

        var count = cursor.Count();
        if (cursor.Byte() != 0)
        {
            throw new InvalidDataException("7z external folders");
        }

        var packStream = 0;
        for (var f = 0; f < count; f++)
        {
            var folder = ReadFolder(ref cursor);
            folder.FirstPackStream = packStream;
            packStream = checked(packStream + folder.PackedStreams.Count);
            Folders.Add(folder);
        }

        if (cursor.Byte() != CodersUnpackSize)
        {
            throw new InvalidDataException("7z UnpackInfo without sizes");
        }

        foreach (var folder in Folders)
        {
            var outs = folder.Coders.Sum(c => c.OutStreams);
            for (var o = 0; o < outs; o++)
            {
                folder.UnpackSizes.Add(cursor.Size());
            }
        }

        for (var property = cursor.Byte(); property != End; property = cursor.Byte())
        {
            if (property != Crc)
            {
                throw new InvalidDataException($"7z UnpackInfo property {property}");
            }

            var crcs = cursor.Digests(count);
            for (var f = 0; f < count; f++)
            {
                Folders[f].Crc = crcs[f];
            }
        }
    }

    private static SevenZipFolder ReadFolder(ref HeaderCursor cursor)
    {
        var count = cursor.Count(bitsPerItem: 8);
        var coders = new List<SevenZipCoder>(count);
        var inStreams = 0;
        var outStreams = 0;
        for (var c = 0; c < count; c++)
        {
            var flags = cursor.Byte();
            if ((flags & 0x80) != 0)
            {
                throw new InvalidDataException("7z alternative coder methods");
            }

            var id = cursor.Bytes(flags & 0x0F).ToArray();
            int ins = 1, outs = 1;
            if ((flags & 0x10) != 0)
            {
                ins = cursor.Count(bitsPerItem: 8);
                outs = cursor.Count(bitsPerItem: 8);
            }

            var properties = (flags & 0x20) != 0 ? cursor.Bytes(cursor.Count(bitsPerItem: 8)).ToArray() : [];
            inStreams = checked(inStreams + ins);
            outStreams = checked(outStreams + outs);
            coders.Add(new SevenZipCoder(id, properties, ins, outs));
        }

        if (outStreams == 0)
        {
            throw new InvalidDataException("7z folder without out-streams");
        }

        var bindPairs = new List<(int, int)>();
        for (var b = 0; b < outStreams - 1; b++)
        {
            var inIndex = cursor.Number();
            var outIndex = cursor.Number();
            if (inIndex >= (ulong)inStreams || outIndex >= (ulong)outStreams)
            {
                throw new InvalidDataException("7z bind pair names a stream the folder lacks");
            }

            bindPairs.Add(((int)inIndex, (int)outIndex));
        }

        var packedCount = inStreams - bindPairs.Count;
        if (packedCount < 1)
        {
            throw new InvalidDataException("7z folder with more bind pairs than in-streams");
        }

        var packed = new List<int>();
        if (packedCount == 1)
        {
            for (var i = 0; i < inStreams && packed.Count == 0; i++)
            {
                if (!bindPairs.Any(b => b.Item1 == i))
                {
                    packed.Add(i);
                }
            }

            if (packed.Count == 0)
            {
                throw new InvalidDataException("7z folder without a packed stream");
            }
        }
        else
        {
            for (var p = 0; p < packedCount; p++)
            {
                var index = cursor.Number();
                packed.Add(index < (ulong)inStreams ? (int)index : throw new InvalidDataException("7z packed stream index"));
            }
        }

        return new SevenZipFolder { Coders = coders, BindPairs = bindPairs, PackedStreams = packed };
    }

    private (List<long>? Sizes, uint?[]? Digests) ReadSubStreamsInfo(ref HeaderCursor cursor)
    {
        List<long>? sizes = null;
        uint?[]? digests = null;
        for (var property = cursor.Byte(); property != End; property = cursor.Byte())
        {
            switch (property)
            {
                case NumUnpackStream:
                    foreach (var folder in Folders)
                    {
                        folder.UnpackStreams = cursor.Size();
                    }

                    break;
                case Size:
                    // Each explicit size is at least one byte of header: the list grows with what is really there.
                    sizes = [];
                    foreach (var folder in Folders)
                    {
                        for (var s = 1L; s < folder.UnpackStreams; s++)
                        {
                            sizes.Add(cursor.Size());
                        }
                    }

                    break;
                case Crc:
                    // Digests for the streams whose CRC the folder does not already give.
                    var unknown = 0;
                    foreach (var folder in Folders)
                    {
                        var known = folder.UnpackStreams == 1 && folder.Crc is not null;
                        unknown = checked(unknown + (known ? 0 : (int)Math.Min(folder.UnpackStreams, int.MaxValue)));
                    }

                    digests = cursor.Digests(unknown);
                    break;
                default:
                    throw new InvalidDataException($"7z SubStreamsInfo property {property}");
            }
        }

        return (sizes, digests);
    }

    /// <summary>Each folder's sub-stream sizes and CRCs, laid out as the files with data will take them.</summary>
    private void AssignSubStreams(bool present, List<long>? sizes, uint?[]? digests)
    {
        _streamSizes = [];
        _streamCrcs = [];
        var nextSize = 0;
        var nextDigest = 0;
        foreach (var folder in Folders)
        {
            if (!present)
            {
                folder.UnpackStreams = 1;
            }

            var n = folder.UnpackStreams;
            if (n == 0)
            {
                continue;
            }

            if (n > 1 && (sizes is null || sizes.Count - nextSize < n - 1))
            {
                throw new InvalidDataException("7z sub-stream sizes missing");
            }

            var left = folder.UnpackSize;
            for (var s = 0L; s < n; s++)
            {
                var size = s < n - 1 ? sizes![nextSize++] : left;
                left -= size;
                if (size < 0 || left < 0)
                {
                    throw new InvalidDataException("7z sub-streams larger than their folder");
                }

                _streamSizes.Add(size);
                if (n == 1 && folder.Crc is not null)
                {
                    _streamCrcs.Add(folder.Crc);
                }
                else
                {
                    _streamCrcs.Add(digests is not null && nextDigest < digests.Length ? digests[nextDigest++] : null);
                }
            }
        }
    }

    private List<long> _streamSizes = [];
    private List<uint?> _streamCrcs = [];

    private void ReadFiles(ref HeaderCursor cursor)
    {
        // Each file costs a record; 7-Zip writes a name (2 bytes at least) for every file, so a count above the bytes
        // left is hostile and bounding by bytes keeps the records within a small multiple of the header.
        var count = cursor.Count(bitsPerItem: 8);
        bool[]? emptyStream = null;
        bool[]? emptyFile = null;
        bool[]? anti = null;
        string[]? names = null;
        long?[]? mtimes = null;
        uint?[]? attributes = null;
        while (true)
        {
            var property = cursor.Byte();
            if (property == End)
            {
                break;
            }

            var size = cursor.Number();
            var at = cursor.Position;
            cursor.Skip(size);
            var end = cursor.Position;
            cursor.Position = at;
            var empties = emptyStream?.Count(e => e) ?? 0;
            switch (property)
            {
                case EmptyStream:
                    emptyStream = cursor.Bits(count);
                    break;
                case EmptyFile:
                    emptyFile = cursor.Bits(empties);
                    break;
                case Anti:
                    anti = cursor.Bits(empties);
                    break;
                case Name:
                    names = ReadNames(ref cursor, end, count);
                    break;
                case MTime:
                    var definedTimes = cursor.Defined(count, 64);
                    ExternalByte(ref cursor);
                    mtimes = new long?[definedTimes.Length];
                    for (var t = 0; t < definedTimes.Length; t++)
                    {
                        mtimes[t] = definedTimes[t] ? cursor.Int64() : null;
                    }

                    break;
                case WinAttributes:
                    var definedAttributes = cursor.Defined(count, 32);
                    ExternalByte(ref cursor);
                    attributes = new uint?[definedAttributes.Length];
                    for (var a = 0; a < definedAttributes.Length; a++)
                    {
                        attributes[a] = definedAttributes[a] ? cursor.UInt32() : null;
                    }

                    break;
            }

            if (cursor.Position > end)
            {
                throw new InvalidDataException($"7z file property {property} overruns its size");
            }

            cursor.Position = end;
        }

        var folder = 0;
        var inFolder = 0L;
        var offset = 0L;
        var stream = 0;
        var empty = 0;
        for (var i = 0; i < count; i++)
        {
            var hasStream = emptyStream?[i] != true;
            var name = names?[i] ?? string.Empty;
            if (!hasStream)
            {
                var isFile = emptyFile is not null && empty < emptyFile.Length && emptyFile[empty];
                var isAnti = anti is not null && empty < anti.Length && anti[empty];
                empty++;
                Files.Add(new SevenZipFile(name, false, !isFile, isAnti, 0, null, mtimes?[i], attributes?[i], -1, 0, false));
                continue;
            }

            while (folder < Folders.Count && inFolder >= Folders[folder].UnpackStreams)
            {
                folder++;
                inFolder = 0;
                offset = 0;
            }

            if (folder >= Folders.Count || stream >= _streamSizes.Count)
            {
                throw new InvalidDataException("7z file with data beyond the folders");
            }

            var fileSize = _streamSizes[stream];
            Files.Add(new SevenZipFile(name, true, false, false, fileSize, _streamCrcs[stream], mtimes?[i], attributes?[i], folder, offset, inFolder == 0));
            stream++;
            inFolder++;
            offset += fileSize;
        }
    }

    private static void ExternalByte(ref HeaderCursor cursor)
    {
        if (cursor.Byte() != 0)
        {
            throw new InvalidDataException("7z external file property");
        }
    }

    private static string[] ReadNames(ref HeaderCursor cursor, int end, int count)
    {
        ExternalByte(ref cursor);
        var names = new string[count];
        for (var i = 0; i < count; i++)
        {
            var start = cursor.Position;
            var chars = 0;
            while (true)
            {
                if (cursor.Position + 2 > end)
                {
                    throw new InvalidDataException("7z names overrun their property");
                }

                var c = cursor.Bytes(2);
                if (c[0] == 0 && c[1] == 0)
                {
                    break;
                }

                chars++;
            }

            cursor.Position = start;
            names[i] = Encoding.Unicode.GetString(cursor.Bytes(chars * 2));
            cursor.Skip(2);
        }

        return names;
    }
}
