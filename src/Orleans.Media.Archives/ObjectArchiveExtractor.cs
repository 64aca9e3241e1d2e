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

        // Parallel zip decoders each read their entries' spans through a stream of their own (called on their threads).
        var extra = new System.Collections.Concurrent.ConcurrentBag<ObjectReadStream>();
        var bucket = storage.GetBucket(source.Bucket);
        Stream OpenAnother()
        {
            var another = bucket.OpenReadAsync(source.Key, new ReadOptions { ReadAheadBytes = 1024 * 1024 }, cancellationToken).GetAwaiter().GetResult();
            extra.Add(another);
            return another;
        }

        var result = await extractor.ExtractAsync(stream, OpenAnother, target, options, cancellationToken).ConfigureAwait(false);
        return result with { SourceBytesFetched = stream.BytesFetched + extra.Sum(s => s.BytesFetched) };
    }
}
