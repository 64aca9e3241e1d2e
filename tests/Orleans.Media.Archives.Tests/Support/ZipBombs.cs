using System.Buffers.Binary;
using System.IO.Compression;

namespace Orleans.Media.Archives.Tests.Support;

/// <summary>Zeros deflated into a tiny zip (about 1,000:1), built in-process in a second or two.</summary>
internal static class ZipBombs
{
    public static string Create(string dir, string name, long zeros)
    {
        var path = Path.Combine(dir, name);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using var s = zip.CreateEntry("zeros.bin", CompressionLevel.Optimal).Open();
        var block = new byte[1 << 20];
        for (long done = 0; done < zeros; done += block.Length)
        {
            s.Write(block, 0, (int)Math.Min(block.Length, zeros - done));
        }

        return path;
    }

    /// <summary>Rewrites the declared uncompressed size in the local header and the central directory.</summary>
    public static void FakeUncompressedSize(string path, uint size)
    {
        var bytes = File.ReadAllBytes(path);
        for (var i = 0; i + 46 < bytes.Length; i++)
        {
            var sig = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i));
            if (sig == 0x04034b50 && i == 0)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + 22), size);
            }
            else if (sig == 0x02014b50)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + 24), size);
            }
        }

        File.WriteAllBytes(path, bytes);
    }
}
