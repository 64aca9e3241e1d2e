namespace Orleans.Media.Archives.Zip;

/// <summary>One central-directory record: what the zip says about an entry before any of it is read.</summary>
internal sealed record ZipDirectoryEntry(string Name, long CompressedSize, long UncompressedSize, long LocalHeaderOffset, bool IsEncrypted);
