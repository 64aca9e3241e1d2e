namespace Orleans.Media.Persistence.Index;

internal sealed class GrainIndex(IGrainIndexStore store) : IGrainIndex
{
    public Task UpsertAsync(GrainIndexEntry entry, CancellationToken cancellationToken = default) =>
        store.UpsertAsync(Checked(entry), awaitFlush: true, cancellationToken);

    public Task UpsertAheadAsync(GrainIndexEntry entry, CancellationToken cancellationToken = default) =>
        store.UpsertAsync(Checked(entry), awaitFlush: false, cancellationToken);

    private static GrainIndexEntry Checked(GrainIndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(entry.GrainType);
        ArgumentException.ThrowIfNullOrEmpty(entry.Key);
        ArgumentException.ThrowIfNullOrEmpty(entry.StateJson);
        return entry;
    }

    public Task DeleteAsync(string grainType, string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(grainType);
        ArgumentException.ThrowIfNullOrEmpty(key);
        return store.DeleteAsync(grainType, key, cancellationToken);
    }
}
