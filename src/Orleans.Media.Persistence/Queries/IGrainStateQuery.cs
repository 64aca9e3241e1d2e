namespace Orleans.Media.Persistence;

/// <summary>Read-only listings over the grain index (<see cref="IGrainIndex"/>): what the grains last wrote there.</summary>
public interface IGrainStateQuery
{
    Task<GrainStatePage<TState>> QueryAsync<TState>(GrainStateQuery query, CancellationToken cancellationToken = default)
        where TState : class;

    /// <summary>Checks a query as <see cref="QueryAsync{TState}"/> would (property paths, limit, page token) without
    /// running it: <see cref="ArgumentException"/> or <see cref="InvalidPageTokenException"/>.</summary>
    void Validate(GrainStateQuery query);

    /// <summary>Counts the grains matching the query (ordering and paging ignored).</summary>
    Task<long> CountAsync(GrainStateQuery query, CancellationToken cancellationToken = default);
}
