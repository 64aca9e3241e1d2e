using System.Text.Json;
using Orleans.Media.Persistence;

namespace Orleans.Media.Grains.Indexing;

/// <summary>
/// Writes a grain's listing view into the index table after the grain has written its state. The copy carries the
/// state's revision, so a late write of an older view never replaces a newer one; a copy lost to a crash between
/// the two writes is written again the next time the grain activates or its reminder ticks.
/// </summary>
public sealed class StateIndex(IGrainIndex index)
{
    public Task WriteAsync<TView>(string grainType, string key, string? partition, long revision, TView view) =>
        index.UpsertAsync(new GrainIndexEntry(grainType, key, partition, revision, JsonSerializer.Serialize(view, MediaJson.Options)));

    /// <summary>
    /// Writes the copy without waiting for its disk flush: for a copy that the grain's state write which follows
    /// makes durable (the database flushes in order), or a repair that the next activation would write again.
    /// </summary>
    public Task WriteAheadAsync<TView>(string grainType, string key, string? partition, long revision, TView view) =>
        index.UpsertAheadAsync(new GrainIndexEntry(grainType, key, partition, revision, JsonSerializer.Serialize(view, MediaJson.Options)));

    public Task RemoveAsync(string grainType, string key) => index.DeleteAsync(grainType, key);
}
