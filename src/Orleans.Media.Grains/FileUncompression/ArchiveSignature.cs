namespace Orleans.Media.Grains.FileUncompression;

/// <summary>
/// The archive formats IMM decompresses (zip, RAR, 7z), recognised by their leading bytes, so an unsupported
/// source is refused when the task is created rather than after a job has started.
/// </summary>
public static class ArchiveSignature
{
    public const int BytesNeeded = 8;

    public enum Kind
    {
        Unsupported,
        Zip,
        Rar,
        SevenZip,
    }

    public static Kind Detect(ReadOnlySpan<byte> head)
    {
        // Local file header, empty archive (end of central directory) or a spanned-archive marker.
        if (head.Length >= 4 && head[0] == 'P' && head[1] == 'K' &&
            ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6) || (head[2] == 7 && head[3] == 8)))
        {
            return Kind.Zip;
        }

        // "Rar!\x1A\x07" then 0x00 (RAR 4) or 0x01 0x00 (RAR 5).
        if (head.Length >= 7 && head[..6].SequenceEqual("Rar!\u001A\u0007"u8))
        {
            return Kind.Rar;
        }

        if (head.Length >= 6 && head[..6].SequenceEqual((ReadOnlySpan<byte>)[(byte)'7', (byte)'z', 0xBC, 0xAF, 0x27, 0x1C]))
        {
            return Kind.SevenZip;
        }

        return Kind.Unsupported;
    }
}
