using System.Text.Json;
using Orleans.Media.Persistence.Index;

namespace Orleans.Media.Persistence.Queries;

internal sealed class GrainStateQueryService(IGrainIndexStore store) : IGrainStateQuery
{
    public async Task<GrainStatePage<TState>> QueryAsync<TState>(GrainStateQuery query, CancellationToken cancellationToken = default)
        where TState : class
    {
        Validate(query);
        var rows = await store.QueryAsync(query, cancellationToken).ConfigureAwait(false);
        var items = new List<GrainStateEntry<TState>>(Math.Min(rows.Count, query.Limit));
        foreach (var row in rows.Take(query.Limit))
        {
            items.Add(new GrainStateEntry<TState>(row.Key, row.Partition, row.Version, JsonSerializer.Deserialize<TState>(row.StateJson, MediaJson.Options)!));
        }

        // The store returns one row more than the limit when another page exists.
        string? next = null;
        if (rows.Count > query.Limit)
        {
            var last = rows[query.Limit - 1];
            next = PageToken.Encode(query, last.SortValue, last.Key);
        }

        return new GrainStatePage<TState>(items, next);
    }

    public void Validate(GrainStateQuery query)
    {
        StateQueryValidation.Validate(query);
        if (query.PageToken is not null)
        {
            // Issued for this order (PageToken), and its sort value one the store prints: a forged value must not
            // reach the store as a cast error.
            var (value, _) = PageToken.Decode(query);
            if (query.OrderBy is not null && !store.IsSortValue(value, query.OrderByKind))
            {
                throw new InvalidPageTokenException();
            }
        }
    }

    public Task<long> CountAsync(GrainStateQuery query, CancellationToken cancellationToken = default)
    {
        StateQueryValidation.Validate(query);
        return store.CountAsync(query, cancellationToken);
    }
}
