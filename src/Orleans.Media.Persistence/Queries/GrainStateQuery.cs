namespace Orleans.Media.Persistence;

/// <summary>
/// A listing over the indexed state of one grain type. Properties are JSON property paths of the state as indexed
/// (<see cref="MediaJson"/>: C# names, "Outer.Inner" for nested). Keyset pagination: pass back
/// <see cref="GrainStatePage{TState}.NextPageToken"/> unchanged with the same query.
/// </summary>
public sealed record GrainStateQuery(string GrainType)
{
    public string? Partition { get; init; }

    public string? KeyPrefix { get; init; }

    public IReadOnlyList<StateFilter> Filters { get; init; } = [];

    /// <summary>Property to order by; null orders by key. Ties are broken by key.</summary>
    public string? OrderBy { get; init; }

    /// <summary>How <see cref="OrderBy"/> values compare (text, number, ISO time).</summary>
    public StateValueKind OrderByKind { get; init; } = StateValueKind.Text;

    public bool Descending { get; init; }

    public string? PageToken { get; init; }

    /// <summary>1..1000.</summary>
    public int Limit { get; init; } = 100;
}
