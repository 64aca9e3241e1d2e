namespace Orleans.Media.Archives.Zip;

/// <summary>
/// One central-directory record: what the zip says about an entry before any of it is read, and where the record
/// sits in the directory bytes (<see cref="RecordOffset"/>, <see cref="RecordLength"/>; <see cref="Zip64OffsetField"/>
/// is the position of the zip64 local-header offset inside the record, or -1).
/// </summary>
internal sealed record ZipDirectoryEntry(
    string Name,
    long CompressedSize,
    long UncompressedSize,
    long LocalHeaderOffset,
    bool IsEncrypted,
    int RecordOffset,
    int RecordLength,
    int Zip64OffsetField)
{
    /// <summary>0 stored, 8 deflate; anything else is left to libarchive.</summary>
    public int Method { get; init; }

    public uint Crc32 { get; init; }

    /// <summary>The extended timestamp (0x5455) when present, else the DOS time read as local time (as libarchive does).</summary>
    public DateTimeOffset? ModifiedTime { get; init; }

    /// <summary>The Unix mode from the external attributes when the entry was made on Unix, else 0.</summary>
    public int UnixMode { get; init; }

    public bool IsSymbolicLink => (UnixMode & 0xF000) == 0xA000;
}
