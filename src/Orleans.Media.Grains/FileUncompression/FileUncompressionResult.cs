namespace Orleans.Media.Grains.FileUncompression;

/// <summary>What the extraction job reports back to its task.</summary>
[GenerateSerializer, Immutable]
public sealed record FileUncompressionResult
{
    [Id(0)] public bool Succeeded { get; init; }

    /// <summary>The vendor-style code when it failed (e.g. <c>InvalidArchive</c>, <c>ArchiveEncrypted</c>).</summary>
    [Id(1)] public string? Code { get; init; }

    [Id(2)] public string? Message { get; init; }

    [Id(3)] public long FilesWritten { get; init; }

    [Id(4)] public long FilesRefused { get; init; }

    [Id(5)] public long BytesWritten { get; init; }

    [Id(6)] public bool IsEncrypted { get; init; }
}
