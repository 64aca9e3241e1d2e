using System.Runtime.InteropServices;

namespace Orleans.Media.Archives.Native;

/// <summary>The system zlib's CRC-32 (the check value zip, 7z and RAR 4 store per file).</summary>
internal static unsafe partial class Zlib
{
    [LibraryImport("libz.so.1", EntryPoint = "crc32")]
    private static partial nuint Crc32(nuint crc, byte* buffer, uint length);

    public static uint Crc32(uint crc, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return crc; // zlib answers a NULL buffer with the initial value, 0
        }

        fixed (byte* p = data)
        {
            return (uint)Crc32(crc, p, (uint)data.Length);
        }
    }
}
