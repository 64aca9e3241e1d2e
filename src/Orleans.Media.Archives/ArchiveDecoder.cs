namespace Orleans.Media.Archives;

/// <summary>Which decoder read an archive (the engine chooses per archive: see the README's Decisions).</summary>
public enum ArchiveDecoder
{
    /// <summary>Nothing was decoded (the archive was refused before any data).</summary>
    None = 0,

    /// <summary>libarchive, one decoder thread.</summary>
    LibArchive,

    /// <summary>Zip entries decoded on several threads with the runtime's zlib.</summary>
    ParallelZip,

    /// <summary>The engine's own 7z reader: .NET AES and the system liblzma.</summary>
    SevenZipNative,

    /// <summary>
    /// The engine's own 7z reader (names, limits, CRC-32, checkpoints) with the data decoded by a <c>7zz</c> child process:
    /// a 7z in a local folder when 7-Zip is installed.
    /// </summary>
    SevenZipTool,

    /// <summary>SharpCompress (encrypted 7z it cannot read natively, encrypted RAR).</summary>
    SharpCompress,
}
