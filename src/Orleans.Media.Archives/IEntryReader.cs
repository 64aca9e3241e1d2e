using Orleans.Media.Archives.Native;

namespace Orleans.Media.Archives;

/// <summary>
/// One decoder's read session: headers in archive order, each followed by its data. libarchive
/// (<see cref="ArchiveReader"/>) and SharpCompress (<see cref="Managed.ManagedArchiveReader"/>) both drive the
/// same pipeline through this. Not thread-safe.
/// </summary>
internal interface IEntryReader : IDisposable
{
    ArchiveFormat Format { get; }

    /// <summary>Bytes consumed from the source so far (the ratio guard divides by it).</summary>
    long SourceBytes { get; }

    /// <summary>Advances to the next header; false at the end. Throws <see cref="ArchiveException"/> when it cannot go on.</summary>
    bool MoveNext(out RawEntry entry, out string? headerError);

    /// <summary>Decodes the current entry's data; 0 at its end. Throws <see cref="EntryDataException"/> on failure.</summary>
    int Read(Span<byte> buffer);
}
