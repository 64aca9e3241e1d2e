namespace Orleans.Media.Runtime;

/// <summary>Read-only listings over stored grain state (committed data; never inside a turn's transaction).</summary>
public interface IGrainStateQuery
{
    Task<GrainStatePage<TState>> QueryAsync<TState>(GrainStateQuery query, CancellationToken cancellationToken = default)
        where TState : class;

    /// <summary>Counts the grains matching the query (ordering and paging ignored).</summary>
    Task<long> CountAsync(GrainStateQuery query, CancellationToken cancellationToken = default);
}
