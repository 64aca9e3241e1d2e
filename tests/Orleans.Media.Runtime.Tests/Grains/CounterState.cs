namespace Orleans.Media.Runtime.Tests.Grains;

public sealed record CounterState
{
    public int Count { get; init; }

    public string? Tag { get; init; }

    public int Priority { get; init; }

    public DateTimeOffset? Stamp { get; init; }

    public IReadOnlyList<string> Outcomes { get; init; } = [];

    public IReadOnlyList<string> Ticks { get; init; } = [];

    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}
