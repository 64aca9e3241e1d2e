using System.Text;

namespace Orleans.Media.Archives.Native;

/// <summary>
/// Walks RAR5 header blocks (format spec: CRC32, vint size, vint type, vint flags, optional extra/data sizes)
/// from a header position to the file header named <c>name</c>, and reports whether its extra area carries an
/// encryption record (type 0x01).
/// </summary>
internal static class Rar5HeaderProbe
{
    private const int FileHeader = 2;
    private const int EncryptionRecord = 1;
    private static readonly byte[] Signature = [0x52, 0x61, 0x72, 0x21, 0x1A, 0x07, 0x01, 0x00];

    /// <summary>True/false when the named file header was found in <paramref name="data"/>; null when it was not.</summary>
    public static bool? Find(ReadOnlySpan<byte> data, bool atArchiveStart, string name)
    {
        var pos = atArchiveStart && data.StartsWith(Signature) ? Signature.Length : 0;
        for (var block = 0; block < 64 && pos + 7 <= data.Length; block++)
        {
            var p = pos + 4; // CRC32
            if (!ReadVInt(data, ref p, out var headerSize) || headerSize <= 0 || headerSize > 2 * 1024 * 1024)
            {
                return null;
            }

            var headerEnd = p + (int)headerSize;
            if (!ReadVInt(data, ref p, out var type) || !ReadVInt(data, ref p, out var flags))
            {
                return null;
            }

            long extraSize = 0, dataSize = 0;
            if ((flags & 0x1) != 0 && !ReadVInt(data, ref p, out extraSize))
            {
                return null;
            }

            if ((flags & 0x2) != 0 && !ReadVInt(data, ref p, out dataSize))
            {
                return null;
            }

            if (type == FileHeader && headerEnd <= data.Length && HasName(data, p, name))
            {
                return HasEncryptionRecord(data[(headerEnd - (int)extraSize)..headerEnd]);
            }

            if (headerEnd + dataSize > int.MaxValue)
            {
                return null;
            }

            pos = headerEnd + (int)dataSize;
        }

        return null;
    }

    private static bool HasName(ReadOnlySpan<byte> data, int p, string name)
    {
        // file flags, unpacked size, attributes, [mtime], [data CRC], compression info, host OS, name length, name
        if (!ReadVInt(data, ref p, out var fileFlags) || !ReadVInt(data, ref p, out _) || !ReadVInt(data, ref p, out _))
        {
            return false;
        }

        p += ((fileFlags & 0x2) != 0 ? 4 : 0) + ((fileFlags & 0x4) != 0 ? 4 : 0);
        if (!ReadVInt(data, ref p, out _) || !ReadVInt(data, ref p, out _) || !ReadVInt(data, ref p, out var nameLength))
        {
            return false;
        }

        if (p + nameLength > data.Length)
        {
            return false;
        }

        var stored = Encoding.UTF8.GetString(data.Slice(p, (int)nameLength)).Replace('\\', '/');
        return stored == name.Replace('\\', '/');
    }

    private static bool HasEncryptionRecord(ReadOnlySpan<byte> extra)
    {
        var p = 0;
        while (p < extra.Length)
        {
            if (!ReadVInt(extra, ref p, out var size) || size <= 0)
            {
                return false;
            }

            var recordEnd = p + (int)size;
            if (!ReadVInt(extra, ref p, out var type))
            {
                return false;
            }

            if (type == EncryptionRecord)
            {
                return true;
            }

            p = recordEnd;
        }

        return false;
    }

    private static bool ReadVInt(ReadOnlySpan<byte> data, ref int p, out long value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && p < data.Length; shift += 7)
        {
            var b = data[p++];
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }
}
