using System.Buffers.Binary;
using Orleans.Media.Archives.Native;
using static Orleans.Media.Archives.SevenZip.SevenZipPropertyIds;

namespace Orleans.Media.Archives.SevenZip;

/// <summary>
/// Reads a 7z's header (at the end of the archive, usually LZMA-compressed) for what libarchive does not expose:
/// each entry's packed size. libarchive reads 7z data lazily by folder, so offsets seen while listing say nothing
/// about it. Sizes follow 7-Zip's own listing: a folder (compressed block) counts on its first file, the other
/// files of a solid block and entries without data count 0, so the sizes add up to the packed data.
/// Best effort: any header this reader does not understand (encrypted, unknown coder, damage) gives null.
/// </summary>
internal static class SevenZipHeader
{
    private const int SignatureHeaderSize = SevenZipDirectory.SignatureHeaderSize;
    private const long MaxHeaderBytes = SevenZipDirectory.MaxHeaderBytes;

    /// <summary>Each entry's packed size in header order (libarchive's order), or null when the header cannot be read.
    /// <paramref name="expectedEntries"/> (the count libarchive listed): a header claiming another count is refused
    /// before anything is allocated for it.</summary>
    public static long[]? TryReadPackedSizes(Stream stream, int? expectedEntries = null)
    {
        try
        {
            return ReadPackedSizes(stream, expectedEntries);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IndexOutOfRangeException or ArgumentOutOfRangeException
                                       or OverflowException or IOException or DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    private static long[]? ReadPackedSizes(Stream stream, int? expectedEntries)
    {
        // A start header pointing outside the archive throws InvalidDataException: TryReadPackedSizes answers null.
        if (SevenZipDirectory.ReadNextHeader(stream) is not { } header)
        {
            return null;
        }

        var length = stream.Length;

        // An encoded header is a small archive of its own whose one folder holds the real header. 7-Zip decodes one
        // level only (the decoded header must be a plain one), so a hostile chain cannot multiply allocations.
        if (header[0] == EncodedHeader)
        {
            var reader = new HeaderCursor(header, 1);
            var streams = ReadStreamsInfo(ref reader);
            if (streams.Folders.Count == 0 || streams.PackSizes.Count == 0 || streams.Folders[0].Coders.Count != 1)
            {
                return null;
            }

            var coder = streams.Folders[0].Coders[0];
            var lzma2 = coder.Id.SequenceEqual(new byte[] { 0x21 });
            if (!lzma2 && !coder.Id.SequenceEqual(new byte[] { 0x03, 0x01, 0x01 }))
            {
                return null; // encrypted (AES) or another coder: no sizes rather than a guess
            }

            if (streams.Folders[0].UnpackSizes.Count == 0)
            {
                return null;
            }

            // The packed header must lie inside the archive: a hostile size cannot make us allocate what is not there.
            var unpackSize = streams.Folders[0].UnpackSizes[^1];
            var packedSize = streams.PackSizes[0];
            if (unpackSize is <= 0 or > MaxHeaderBytes || packedSize is <= 0 or > MaxHeaderBytes
                || streams.PackPos > length - SignatureHeaderSize - packedSize)
            {
                return null;
            }

            var packed = new byte[packedSize];
            stream.Seek(SignatureHeaderSize + streams.PackPos, SeekOrigin.Begin);
            stream.ReadExactly(packed);
            header = Lzma.TryDecode(lzma2, coder.Properties, packed, (int)unpackSize) ?? [];
        }

        return header.Length > 0 && header[0] == Header ? ReadHeader(new HeaderCursor(header, 1), length, expectedEntries) : null;
    }

    private static long[]? ReadHeader(HeaderCursor reader, long archiveLength, int? expectedEntries)
    {
        var id = reader.Byte();
        if (id == ArchiveProperties)
        {
            while (reader.Byte() != End)
            {
                reader.Skip(reader.Number());
            }

            id = reader.Byte();
        }

        if (id == AdditionalStreamsInfo)
        {
            ReadStreamsInfo(ref reader);
            id = reader.Byte();
        }

        var streams = new StreamsInfo();
        if (id == MainStreamsInfo)
        {
            streams = ReadStreamsInfo(ref reader);
            id = reader.Byte();
        }

        if (id != FilesInfo)
        {
            return id == End ? [] : null;
        }

        // Each file costs 8 bytes of result; 7-Zip writes a name (2 bytes at least) for every file, so a count above
        // the bytes left is hostile and bounding by bytes keeps the result within 8x the header.
        var files = reader.Count(bitsPerItem: 8);
        if (expectedEntries is { } expected && files != expected)
        {
            return null;
        }
        bool[]? empty = null;
        while (true)
        {
            var property = reader.Byte();
            if (property == End)
            {
                break;
            }

            var size = reader.Number();
            if (property == EmptyStream)
            {
                var at = reader.Position;
                empty = reader.Bits(files);
                reader.Position = at;
            }

            reader.Skip(size);
        }

        // Files with data take the folders' unpack streams in order; the first file of a folder carries the
        // folder's packed streams.
        var result = new long[files];
        var folder = 0;
        var inFolder = 0;
        var packIndex = 0;
        for (var i = 0; i < files; i++)
        {
            if (empty?[i] == true)
            {
                continue;
            }

            while (folder < streams.Folders.Count && inFolder >= streams.UnpackStreams[folder])
            {
                packIndex += streams.Folders[folder].PackedStreams;
                folder++;
                inFolder = 0;
            }

            if (folder >= streams.Folders.Count)
            {
                return null;
            }

            if (inFolder == 0)
            {
                for (var p = 0; p < streams.Folders[folder].PackedStreams; p++)
                {
                    result[i] = checked(result[i] + streams.PackSizes[packIndex + p]);
                }

                // Packed data lives inside the archive: a larger size is a damaged or hostile header, not a plan.
                if (result[i] > archiveLength)
                {
                    return null;
                }
            }

            inFolder++;
        }

        return result;
    }

    private static StreamsInfo ReadStreamsInfo(ref HeaderCursor reader)
    {
        var info = new StreamsInfo();
        while (true)
        {
            var id = reader.Byte();
            switch (id)
            {
                case End:
                    if (info.UnpackStreams.Count == 0)
                    {
                        info.UnpackStreams.AddRange(Enumerable.Repeat(1L, info.Folders.Count));
                    }

                    return info;
                case PackInfo:
                    info.PackPos = checked((long)reader.Number());
                    var count = reader.Count();
                    for (var property = reader.Byte(); property != End; property = reader.Byte())
                    {
                        if (property == Size)
                        {
                            for (var i = 0; i < count; i++)
                            {
                                info.PackSizes.Add(checked((long)reader.Number()));
                            }
                        }
                        else if (property == Crc)
                        {
                            reader.Digests(count);
                        }
                        else
                        {
                            throw new InvalidDataException($"7z PackInfo property {property}");
                        }
                    }

                    break;
                case UnpackInfo:
                    ReadUnpackInfo(ref reader, info);
                    break;
                case SubStreamsInfo:
                    ReadSubStreamsInfo(ref reader, info);
                    break;
                default:
                    throw new InvalidDataException($"7z StreamsInfo property {id}");
            }
        }
    }

    private static void ReadUnpackInfo(ref HeaderCursor reader, StreamsInfo info)
    {
        if (reader.Byte() != Folder)
        {
            throw new InvalidDataException("7z UnpackInfo without folders");
        }

        var count = reader.Count();
        if (reader.Byte() != 0)
        {
            throw new InvalidDataException("7z external folders");
        }

        for (var f = 0; f < count; f++)
        {
            info.Folders.Add(ReadFolder(ref reader));
        }

        if (reader.Byte() != CodersUnpackSize)
        {
            throw new InvalidDataException("7z UnpackInfo without sizes");
        }

        foreach (var folder in info.Folders)
        {
            for (var o = 0; o < folder.OutStreams; o++)
            {
                folder.UnpackSizes.Add(checked((long)reader.Number()));
            }
        }

        for (var property = reader.Byte(); property != End; property = reader.Byte())
        {
            if (property != Crc)
            {
                throw new InvalidDataException($"7z UnpackInfo property {property}");
            }

            info.FolderCrcs = reader.Digests(count).Select(d => d is not null).ToArray();
        }
    }

    private static FolderInfo ReadFolder(ref HeaderCursor reader)
    {
        var folder = new FolderInfo();
        var coders = reader.Count();
        long inStreams = 0;
        for (var c = 0; c < coders; c++)
        {
            var flags = reader.Byte();
            if ((flags & 0x80) != 0)
            {
                throw new InvalidDataException("7z alternative coder methods");
            }

            var coder = new CoderInfo { Id = reader.Bytes(flags & 0x0F).ToArray() };
            long ins = 1, outs = 1;
            if ((flags & 0x10) != 0)
            {
                ins = checked((long)reader.Number());
                outs = checked((long)reader.Number());
            }

            if ((flags & 0x20) != 0)
            {
                coder.Properties = reader.Bytes(checked((int)reader.Number())).ToArray();
            }

            inStreams = checked(inStreams + ins);
            folder.OutStreams = checked((int)(folder.OutStreams + outs));
            folder.Coders.Add(coder);
        }

        var bindPairs = folder.OutStreams - 1;
        for (var b = 0; b < bindPairs; b++)
        {
            reader.Number();
            reader.Number();
        }

        folder.PackedStreams = checked((int)(inStreams - bindPairs));
        if (folder.PackedStreams < 0)
        {
            throw new InvalidDataException("7z folder with more bind pairs than in-streams");
        }

        if (folder.PackedStreams > 1)
        {
            for (var p = 0; p < folder.PackedStreams; p++)
            {
                reader.Number();
            }
        }

        return folder;
    }

    private static void ReadSubStreamsInfo(ref HeaderCursor reader, StreamsInfo info)
    {
        info.UnpackStreams.Clear();
        info.UnpackStreams.AddRange(Enumerable.Repeat(1L, info.Folders.Count));
        for (var property = reader.Byte(); property != End; property = reader.Byte())
        {
            switch (property)
            {
                case NumUnpackStream:
                    for (var f = 0; f < info.Folders.Count; f++)
                    {
                        info.UnpackStreams[f] = checked((long)reader.Number());
                    }

                    break;
                case Size:
                    foreach (var n in info.UnpackStreams)
                    {
                        for (var s = 1; s < n; s++)
                        {
                            reader.Number();
                        }
                    }

                    break;
                case Crc:
                    // Digests for the streams whose CRC the folder does not already give.
                    var unknown = 0;
                    for (var f = 0; f < info.Folders.Count; f++)
                    {
                        var known = info.UnpackStreams[f] == 1 && info.FolderCrcs is { } crcs && crcs[f];
                        unknown = checked(unknown + (known ? 0 : (int)info.UnpackStreams[f]));
                    }

                    reader.Digests(unknown);
                    break;
                default:
                    throw new InvalidDataException($"7z SubStreamsInfo property {property}");
            }
        }
    }

    private sealed class StreamsInfo
    {
        public long PackPos { get; set; }

        public List<long> PackSizes { get; } = [];

        public List<FolderInfo> Folders { get; } = [];

        public bool[]? FolderCrcs { get; set; }

        public List<long> UnpackStreams { get; } = [];
    }

    private sealed class FolderInfo
    {
        public List<CoderInfo> Coders { get; } = [];

        public int OutStreams { get; set; }

        public int PackedStreams { get; set; }

        public List<long> UnpackSizes { get; } = [];
    }

    private sealed class CoderInfo
    {
        public byte[] Id { get; init; } = [];

        public byte[] Properties { get; set; } = [];
    }
}
