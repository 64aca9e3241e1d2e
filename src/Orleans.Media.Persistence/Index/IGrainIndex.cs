namespace Orleans.Media.Persistence;

/// <summary>
/// The listing index: one row per grain that listings show (<see cref="IGrainStateQuery"/> reads it). A grain
/// writes its row after each state write; a row lost to a crash between the two is the grain's to repair.
/// </summary>
public interface IGrainIndex
{
    /// <summary>Stores the entry unless the stored row has a higher <see cref="GrainIndexEntry.Version"/> (a late,
    /// older write never replaces a newer one; the same version overwrites, so a repair can rewrite a row).</summary>
    Task UpsertAsync(GrainIndexEntry entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the entry as <see cref="UpsertAsync"/> does, but on PostgreSQL commits without waiting for its WAL
    /// flush. For a row that a synchronous commit which follows makes durable (PostgreSQL flushes its WAL in order,
    /// so the flush of a later commit covers this one), or a row that is written again if lost (a repair). SQLite
    /// commits it as usual.
    /// </summary>
    Task UpsertAheadAsync(GrainIndexEntry entry, CancellationToken cancellationToken = default);

    Task DeleteAsync(string grainType, string key, CancellationToken cancellationToken = default);
}

/// <summary>
/// One index row. <paramref name="StateJson"/> is the state as JSON in <see cref="MediaJson.Options"/> (what
/// queries filter and sort on, and what <see cref="IGrainStateQuery.QueryAsync{TState}"/> deserializes);
/// <paramref name="Version"/> the grain's state version (its ETag as a number).
/// </summary>
public sealed record GrainIndexEntry(string GrainType, string Key, string? Partition, long Version, string StateJson);
