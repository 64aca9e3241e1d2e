using System.Buffers.Binary;
using System.Text;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// An independent walk over a RAR's block headers (RAR 4 and RAR 5 layouts, unencrypted headers only) giving each
/// file header's name, packed data size and unpacked size: the reference the detail file's sizes are checked
/// against, since no RAR lister is installed (this 7zz has no RAR codec; bsdtar -tv shows no packed sizes).
/// </summary>
public static class RarHeaders
{
    public static List<(string Name, long Packed, long Unpacked)> Files(string path)
    {
        var b = File.ReadAllBytes(path);
        return b.AsSpan().StartsWith("Rar!\x1a\x07\x01\x00"u8) ? Rar5(b) : Rar4(b);
    }

    private static List<(string, long, long)> Rar5(byte[] b)
    {
        var files = new List<(string, long, long)>();
        var i = 8;
        while (i < b.Length)
        {
            var j = i + 4; // header CRC32
            var headerSize = (long)VInt(b, ref j);
            var headerEnd = j + headerSize;
            var type = VInt(b, ref j);
            var flags = VInt(b, ref j);
            if ((flags & 1) != 0)
            {
                VInt(b, ref j); // extra area size
            }

            var data = (flags & 2) != 0 ? (long)VInt(b, ref j) : 0;
            if (type == 2)
            {
                var fileFlags = VInt(b, ref j);
                var unpacked = (long)VInt(b, ref j);
                VInt(b, ref j); // attributes
                j += (fileFlags & 2) != 0 ? 4 : 0; // mtime
                j += (fileFlags & 4) != 0 ? 4 : 0; // data CRC32
                VInt(b, ref j); // compression
                VInt(b, ref j); // host OS
                var nameLength = (int)VInt(b, ref j);
                files.Add((Encoding.UTF8.GetString(b, j, nameLength), data, unpacked));
            }
            else if (type == 5)
            {
                break;
            }

            i = checked((int)(headerEnd + data));
        }

        return files;
    }

    private static List<(string, long, long)> Rar4(byte[] b)
    {
        var files = new List<(string, long, long)>();
        var i = 7;
        while (i + 7 <= b.Length)
        {
            var type = b[i + 2];
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(i + 3));
            var size = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(i + 5));
            long add = (flags & 0x8000) != 0 || type == 0x74 ? BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(i + 7)) : 0;
            if (type == 0x74)
            {
                long packed = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(i + 7));
                long unpacked = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(i + 11));
                var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(i + 26));
                var name = i + 32;
                if ((flags & 0x100) != 0)
                {
                    packed |= (long)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(i + 32)) << 32;
                    unpacked |= (long)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(i + 36)) << 32;
                    name += 8;
                }

                add = packed;
                files.Add((Encoding.Latin1.GetString(b, name, nameLength), packed, unpacked));
            }
            else if (type == 0x7B)
            {
                break;
            }

            i = checked((int)(i + size + add));
        }

        return files;
    }

    private static ulong VInt(byte[] b, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var c = b[i++];
            value |= (ulong)(c & 0x7F) << shift;
            if (c < 0x80)
            {
                return value;
            }
        }
    }
}
