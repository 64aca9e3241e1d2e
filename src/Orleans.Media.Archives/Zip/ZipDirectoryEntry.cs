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
    int Zip64OffsetField);
