namespace Orleans.Media.Archives.Managed;

/// <summary>
/// The container from its first bytes, for the formats whose encryption libarchive cannot open: it refuses a 7z or
/// RAR with encrypted headers before saying which format it saw.
/// </summary>
internal static class ArchiveSignature
{
    public static ArchiveFormat Sniff(Stream stream)
    {
        Span<byte> head = stackalloc byte[8];
        stream.Seek(0, SeekOrigin.Begin);
        var n = 0;
        while (n < head.Length && stream.Read(head[n..]) is > 0 and var read)
        {
            n += read;
        }

        head = head[..n];
        if (head.StartsWith((ReadOnlySpan<byte>)[(byte)'7', (byte)'z', 0xBC, 0xAF, 0x27, 0x1C]))
        {
            return ArchiveFormat.SevenZip;
        }

        if (head.StartsWith("Rar!\u001a\u0007\u0001\0"u8))
        {
            return ArchiveFormat.Rar5;
        }

        return head.StartsWith("Rar!\u001a\u0007\0"u8) ? ArchiveFormat.Rar : ArchiveFormat.Unknown;
    }
}
