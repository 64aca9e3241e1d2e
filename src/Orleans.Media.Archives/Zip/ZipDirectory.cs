using System.Buffers.Binary;
using System.Text;

namespace Orleans.Media.Archives.Zip;

/// <summary>
/// Reads a zip's end-of-central-directory (zip64 aware) and, on request, the central directory itself. The entry
/// count and every entry's packed and unpacked size are known from these few bytes at the end of the archive,
/// so limits and the bomb pre-check run before anything is decoded or written.
/// </summary>
internal sealed class ZipDirectory
{
    private const uint EocdSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EocdSignature = 0x06064b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const int EocdSize = 22;
    private const long MaxDirectoryBytes = 1L << 30;

    private ZipDirectory(long entryCount, long offset, long size)
    {
        EntryCount = entryCount;
        Offset = offset;
        Size = size;
    }

    public long EntryCount { get; }

    public long Offset { get; }

    public long Size { get; }

    /// <summary>The directory's bytes, once <see cref="ReadEntries"/> has read them.</summary>
    public byte[] Raw { get; private set; } = [];

    /// <summary>The end records, or null when the stream has none (not a zip, or cut before its end).</summary>
    public static ZipDirectory? TryReadEnd(Stream stream)
    {
        var length = stream.Length;
        var tailLength = (int)Math.Min(length, EocdSize + 0xFFFF + 20);
        var tail = new byte[tailLength];
        stream.Seek(length - tailLength, SeekOrigin.Begin);
        stream.ReadExactly(tail);
        for (var i = tailLength - EocdSize; i >= 0; i--)
        {
            var span = tail.AsSpan(i);
            if (BinaryPrimitives.ReadUInt32LittleEndian(span) != EocdSignature)
            {
                continue;
            }

            long count = BinaryPrimitives.ReadUInt16LittleEndian(span[10..]);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(span[12..]);
            long offset = BinaryPrimitives.ReadUInt32LittleEndian(span[16..]);
            var commentLength = BinaryPrimitives.ReadUInt16LittleEndian(span[20..]);
            if (i + EocdSize + commentLength > tailLength)
            {
                continue; // a signature inside the comment, not the record
            }

            if (i >= 20 && BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i - 20)) == Zip64LocatorSignature)
            {
                var zip64Offset = BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(i - 20 + 8));
                var record = new byte[56];
                stream.Seek(zip64Offset, SeekOrigin.Begin);
                stream.ReadExactly(record);
                if (BinaryPrimitives.ReadUInt32LittleEndian(record) == Zip64EocdSignature)
                {
                    count = BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(32));
                    size = BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(40));
                    offset = BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(48));
                }
            }

            return offset >= 0 && size >= 0 && offset + size <= length ? new ZipDirectory(count, offset, size) : null;
        }

        return null;
    }

    /// <summary>Every central-directory record, in directory order.</summary>
    public IReadOnlyList<ZipDirectoryEntry> ReadEntries(Stream stream)
    {
        // A record is at most 46 + 3 × 65,535 bytes; anything claiming more is not a directory we will buffer.
        if (Size > Math.Min(MaxDirectoryBytes, Math.Max(1, EntryCount) * (46L + (3 * 0xFFFF))))
        {
            throw new ArchiveException(ArchiveErrorCode.Corrupt, $"the zip central directory claims {Size:N0} bytes for {EntryCount:N0} entries");
        }

        var buffer = new byte[Size];
        stream.Seek(Offset, SeekOrigin.Begin);
        stream.ReadExactly(buffer);
        Raw = buffer;
        var entries = new List<ZipDirectoryEntry>((int)Math.Min(EntryCount, 1_000_000));
        var span = buffer.AsSpan();
        var pos = 0;
        while (pos + 46 <= span.Length && BinaryPrimitives.ReadUInt32LittleEndian(span[pos..]) == CentralHeaderSignature)
        {
            var h = span[pos..];
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(h[8..]);
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(h[20..]);
            long uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(h[24..]);
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(h[30..]);
            var commentLength = BinaryPrimitives.ReadUInt16LittleEndian(h[32..]);
            long localOffset = BinaryPrimitives.ReadUInt32LittleEndian(h[42..]);
            if (46 + nameLength + extraLength > h.Length)
            {
                break;
            }

            var nameBytes = h.Slice(46, nameLength);
            var name = (flags & 0x800) != 0 ? Encoding.UTF8.GetString(nameBytes) : EntryPaths.Decode(nameBytes, out _);
            var zip64Field = ReadZip64(h.Slice(46 + nameLength, extraLength), ref uncompressed, ref compressed, ref localOffset);
            var length = 46 + nameLength + extraLength + commentLength;
            var extra = h.Slice(46 + nameLength, extraLength);
            entries.Add(new ZipDirectoryEntry(
                name, compressed, uncompressed, localOffset, (flags & 1) != 0, pos, length, zip64Field < 0 ? -1 : 46 + nameLength + zip64Field)
            {
                Method = BinaryPrimitives.ReadUInt16LittleEndian(h[10..]),
                Crc32 = BinaryPrimitives.ReadUInt32LittleEndian(h[16..]),
                ModifiedTime = ExtendedTime(extra) ?? DosTime(BinaryPrimitives.ReadUInt16LittleEndian(h[14..]), BinaryPrimitives.ReadUInt16LittleEndian(h[12..])),
                UnixMode = h[5] == 3 ? (int)(BinaryPrimitives.ReadUInt32LittleEndian(h[38..]) >> 16) : 0,
            });
            pos += 46 + nameLength + extraLength + commentLength;
        }

        return entries;
    }

    /// <summary>The extended timestamp extra field's modification time (Unix seconds), if it has one.</summary>
    private static DateTimeOffset? ExtendedTime(ReadOnlySpan<byte> extra)
    {
        while (extra.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            var len = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (4 + len > extra.Length)
            {
                return null;
            }

            if (id == 0x5455 && len >= 5 && (extra[4] & 1) != 0)
            {
                return DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt32LittleEndian(extra[5..]));
            }

            extra = extra[(4 + len)..];
        }

        return null;
    }

    private static DateTimeOffset? DosTime(ushort date, ushort time)
    {
        try
        {
            var local = new DateTime(1980 + (date >> 9), (date >> 5) & 0xF, date & 0x1F, time >> 11, (time >> 5) & 0x3F, (time & 0x1F) * 2, DateTimeKind.Local);
            return DateTimeOffset.FromUnixTimeSeconds(new DateTimeOffset(local).ToUnixTimeSeconds());
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Applies the zip64 extra field; returns the offset field's position within <paramref name="extra"/>, or -1.</summary>
    private static int ReadZip64(ReadOnlySpan<byte> extra, ref long uncompressed, ref long compressed, ref long offset)
    {
        var at = 0;
        while (extra.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            var len = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (4 + len > extra.Length)
            {
                return -1;
            }

            if (id == 0x0001)
            {
                var data = extra.Slice(4, len);
                var field = at + 4;
                if (uncompressed == uint.MaxValue && data.Length >= 8)
                {
                    uncompressed = BinaryPrimitives.ReadInt64LittleEndian(data);
                    data = data[8..];
                    field += 8;
                }

                if (compressed == uint.MaxValue && data.Length >= 8)
                {
                    compressed = BinaryPrimitives.ReadInt64LittleEndian(data);
                    data = data[8..];
                    field += 8;
                }

                if (offset == uint.MaxValue && data.Length >= 8)
                {
                    offset = BinaryPrimitives.ReadInt64LittleEndian(data);
                    return field;
                }

                return -1;
            }

            at += 4 + len;
            extra = extra[(4 + len)..];
        }

        return -1;
    }
}
