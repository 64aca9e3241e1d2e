namespace Orleans.Media.Persistence;

/// <summary>One page of a state query; <see cref="NextPageToken"/> is null on the last page.</summary>
public sealed record GrainStatePage<TState>(IReadOnlyList<GrainStateEntry<TState>> Items, string? NextPageToken);

/// <summary>One stored grain: its key, partition, version and state.</summary>
public sealed record GrainStateEntry<TState>(string Key, string? Partition, long Version, TState State);
