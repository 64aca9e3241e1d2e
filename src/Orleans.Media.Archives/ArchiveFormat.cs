namespace Orleans.Media.Archives;

/// <summary>The container format libarchive recognised from the content (never from the file name).</summary>
public enum ArchiveFormat
{
    Unknown = 0,
    Zip,
    SevenZip,
    Rar,
    Rar5,
    Tar,
}
