namespace Orleans.Media.Persistence;

/// <summary>
/// A condition on a JSON property of the state. Values: string (text compare), integral/floating numbers (numeric
/// compare), bool, or <see cref="DateTimeOffset"/> (time compare of an ISO-8601 property).
/// </summary>
public sealed record StateFilter(string Property, StateFilterOp Op, IReadOnlyList<object> Values)
{
    public static StateFilter Eq(string property, object value) => new(property, StateFilterOp.Eq, [value]);

    public static StateFilter In(string property, params object[] values) => new(property, StateFilterOp.In, values);

    public static StateFilter Gte(string property, object value) => new(property, StateFilterOp.Gte, [value]);

    public static StateFilter Lte(string property, object value) => new(property, StateFilterOp.Lte, [value]);

    public static StateFilter Prefix(string property, string prefix) => new(property, StateFilterOp.Prefix, [prefix]);
}
