namespace Orleans.Media.Persistence.Queries;

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
        // '-' for dictionary keys such as tag names ("cost-center"); paths are inlined in SQL literals on both stores,
        // so nothing that could end a literal or a JSON path step ('\'', '"', '.', '[', '$') is allowed.
        if (string.IsNullOrEmpty(property) || property.Split('.').Any(p => p.Length == 0 || !p.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')))
        {
            throw new ArgumentException($"'{property}' is not a property path (letters, digits, '_', '-', dotted).");
        }
    }
}
