using System.Text;
using System.Text.Json;
using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime.Core;

internal sealed class GrainStateQueryService(IRuntimeStore store) : IGrainStateQuery
{
    public async Task<GrainStatePage<TState>> QueryAsync<TState>(GrainStateQuery query, CancellationToken cancellationToken = default)
        where TState : class
    {
        StateQueryValidation.Validate(query);
        var rows = await store.QueryStatesAsync(query, cancellationToken).ConfigureAwait(false);
        var items = new List<GrainStateEntry<TState>>(Math.Min(rows.Count, query.Limit));
        foreach (var row in rows.Take(query.Limit))
        {
            items.Add(new GrainStateEntry<TState>(row.Key, row.Partition, row.Version, JsonSerializer.Deserialize<TState>(row.StateJson, RuntimeJson.Options)!));
        }

        // The store returns one row more than the limit when another page exists.
        string? next = null;
        if (rows.Count > query.Limit)
        {
            var last = rows[query.Limit - 1];
            next = PageToken.Encode(last.SortValue, last.Key);
        }

        return new GrainStatePage<TState>(items, next);
    }

    public Task<long> CountAsync(GrainStateQuery query, CancellationToken cancellationToken = default)
    {
        StateQueryValidation.Validate(query);
        return store.CountStatesAsync(query, cancellationToken);
    }
}

/// <summary>Keyset position: the last row's sort value and key, opaque to callers.</summary>
internal static class PageToken
{
    public static string Encode(string? sortValue, string key) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new[] { sortValue, key })).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static (string? SortValue, string Key) Decode(string token)
    {
        try
        {
            var b64 = token.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            var parts = JsonSerializer.Deserialize<string?[]>(Encoding.UTF8.GetString(Convert.FromBase64String(b64)));
            if (parts is not { Length: 2 } || parts[1] is null)
            {
                throw new FormatException();
            }

            return (parts[0], parts[1]!);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new ArgumentException("Invalid page token.", nameof(token), e);
        }
    }
}

internal static class StateQueryValidation
{
    public static void Validate(GrainStateQuery query)
    {
        ArgumentException.ThrowIfNullOrEmpty(query.GrainType);
        if (query.Limit is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, "Limit must be 1..1000.");
        }

        foreach (var f in query.Filters)
        {
            CheckProperty(f.Property);
            if (f.Values.Count == 0 || (f.Op != StateFilterOp.In && f.Values.Count != 1))
            {
                throw new ArgumentException($"Filter on {f.Property}: {f.Op} takes {(f.Op == StateFilterOp.In ? "at least one value" : "one value")}.");
            }

            if (f.Op == StateFilterOp.Prefix && f.Values[0] is not string)
            {
                throw new ArgumentException($"Filter on {f.Property}: Prefix takes a string.");
            }
        }

        if (query.OrderBy is { } order)
        {
            CheckProperty(order);
        }
    }

    public static string[] Path(string property) => property.Split('.');

    private static void CheckProperty(string property)
    {
        if (string.IsNullOrEmpty(property) || property.Split('.').Any(p => p.Length == 0 || !p.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
        {
            throw new ArgumentException($"'{property}' is not a property path (letters, digits, '_', dotted).");
        }
    }
}
