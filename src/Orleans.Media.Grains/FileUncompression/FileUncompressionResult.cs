namespace Orleans.Media.Grains.FileUncompression;

/// <summary>What the extraction job reports back to its task.</summary>
public sealed record FileUncompressionResult
{
    public bool Succeeded { get; init; }

    /// <summary>The vendor-style code when it failed (e.g. <c>InvalidArchive</c>, <c>ArchiveEncrypted</c>).</summary>
    public string? Code { get; init; }

    public string? Message { get; init; }

    public long FilesWritten { get; init; }

    public long FilesRefused { get; init; }

    public long BytesWritten { get; init; }

    public bool IsEncrypted { get; init; }
}
