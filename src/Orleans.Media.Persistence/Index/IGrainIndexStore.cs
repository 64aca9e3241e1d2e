namespace Orleans.Media.Persistence.Index;

/// <summary>The grain_index table on one database kind: writes and the SQL of state queries.</summary>
internal interface IGrainIndexStore
{
    /// <param name="awaitFlush">False: commit without waiting for the disk flush where the database allows it.</param>
    Task UpsertAsync(GrainIndexEntry entry, bool awaitFlush, CancellationToken cancellationToken);

    Task DeleteAsync(string grainType, string key, CancellationToken cancellationToken);

    /// <summary>At most <see cref="GrainStateQuery.Limit"/> + 1 rows: one more when another page exists.</summary>
    Task<IReadOnlyList<IndexRow>> QueryAsync(GrainStateQuery query, CancellationToken cancellationToken);

    Task<long> CountAsync(GrainStateQuery query, CancellationToken cancellationToken);

    /// <summary>Whether a page token's sort value is one this store's sort expression prints.</summary>
    bool IsSortValue(string? value, StateValueKind kind);
}

internal sealed record IndexRow(string Key, string? Partition, long Version, string StateJson, string? SortValue);

internal static class GrainIndexStores
{
    public static IGrainIndexStore Create(MediaDatabase database) => database.Kind == DatabaseKind.Postgres
        ? new PostgresIndexStore(database)
        : new SqliteIndexStore(database);
}
