namespace Orleans.Media.Silo.Protocols;

/// <summary>
/// The rules for one request parameter: from the vendor reference (required, type, JSON style, maxItems, enum,
/// minimum/maximum) plus the limits the vendor documents only in prose (length, pattern, byte size), which
/// <c>Reference/limits.json</c> states explicitly.
/// </summary>
public sealed record ApiParameter(string Name, ApiParameterType Type)
{
    public bool Required { get; init; }

    /// <summary>Object/array parameter that travels as a JSON string; the JSON must parse.</summary>
    public bool Json { get; init; }

    public int? MinLength { get; init; }

    public int? MaxLength { get; init; }

    /// <summary>Maximum size of the UTF-8 encoding (e.g. <c>UserData</c> ≤ 2,048 bytes).</summary>
    public int? MaxBytes { get; init; }

    /// <summary>A regular expression the whole value must match.</summary>
    public string? Pattern { get; init; }

    public IReadOnlyList<string>? Enum { get; init; }

    public long? Minimum { get; init; }

    public long? Maximum { get; init; }

    /// <summary>Maximum number of elements of an array parameter.</summary>
    public int? MaxItems { get; init; }

    public string? Description { get; init; }
}
