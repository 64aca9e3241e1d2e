using Orleans.Media.Storage;

namespace Orleans.Media.Archives;

/// <summary>
/// The engine over object storage URIs: reads the archive through a ranged, seekable <see cref="ObjectReadStream"/>
/// (no temporary copy) and writes entries under a target prefix.
/// </summary>
public sealed class ObjectArchiveExtractor(IObjectStorage storage, ArchiveExtractor extractor)
{
    public async Task<ArchiveListing> ListAsync(ObjectUri source, IReadOnlyList<string>? passphrases = null, CancellationToken cancellationToken = default)
    {
        await using var stream = await storage.GetBucket(source.Bucket)
            .OpenReadAsync(source.Key, new ReadOptions { ReadAheadBytes = 64 * 1024 }, cancellationToken).ConfigureAwait(false);
        return await extractor.ListAsync(stream, passphrases, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ExtractionResult> ExtractAsync(ObjectUri source, ObjectUri targetPrefix, ExtractionOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();

        // Selected entries: small read-ahead so skipped entries' local headers cost a few KB each, not a full window.
        var readOptions = options.SelectedPaths.Count > 0 ? new ReadOptions { ReadAheadBytes = options.SelectiveReadAheadBytes } : null;
        await using var stream = await storage.GetBucket(source.Bucket).OpenReadAsync(source.Key, readOptions, cancellationToken).ConfigureAwait(false);
        var target = new ExtractionTarget(storage.GetBucket(targetPrefix.Bucket), targetPrefix);
        var result = await extractor.ExtractAsync(stream, target, options, cancellationToken).ConfigureAwait(false);
        return result with { SourceBytesFetched = stream.BytesFetched };
    }
}
