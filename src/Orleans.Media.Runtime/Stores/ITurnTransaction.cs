using Orleans.Media.Runtime.Core;

namespace Orleans.Media.Runtime.Stores;

/// <summary>One turn's store transaction. Disposing without commit rolls back.</summary>
internal interface ITurnTransaction : IAsyncDisposable
{
    /// <summary>Runs the guard (if any) and locks the grain's row, returning it (null if never written).
    /// State text is omitted when the stored version equals <paramref name="cachedVersion"/>.
    /// Returns GuardPassed=false (and no record) when the guard matched no row.</summary>
    Task<(bool GuardPassed, GrainRecord? Record)> LockGrainAsync(GrainId grainId, long cachedVersion, TurnGuard? guard, CancellationToken cancellationToken);

    /// <summary>Runs the guard (if any), then locks several grains' rows in one step, in the store's (type, key) order
    /// so two such turns never deadlock each other. Records come back in the order asked (null: never written);
    /// state text is omitted where the stored version equals the cached one. GuardPassed=false: nothing locked.</summary>
    Task<(bool GuardPassed, IReadOnlyList<GrainRecord?> Records)> LockGrainsAsync(
        IReadOnlyList<(GrainId GrainId, long CachedVersion)> grains, TurnGuard? guard, CancellationToken cancellationToken);

    /// <summary>Reads a grain's row without locking it (a nested [ReadOnly] call): its latest committed state, or null
    /// if never written. State text is omitted when the stored version equals <paramref name="cachedVersion"/>.</summary>
    Task<GrainRecord?> ReadGrainAsync(GrainId grainId, long cachedVersion, CancellationToken cancellationToken);

    /// <summary>Writes states and effects and commits. A stale write throws <see cref="InconsistentStateException"/>
    /// and nothing commits.</summary>
    Task CommitAsync(IReadOnlyList<GrainWrite> writes, TurnEffects effects, CancellationToken cancellationToken);
}
