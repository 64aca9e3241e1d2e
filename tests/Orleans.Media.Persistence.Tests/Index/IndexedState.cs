using System.Text.Json;

namespace Orleans.Media.Persistence.Tests.Index;

public enum TestStatus
{
    Queued,
    Running,
    Succeeded,
}

/// <summary>A state as a grain would index it (MediaJson: C# names, enums as strings).</summary>
public sealed record IndexedState
{
    public string? Tag { get; init; }

    public int Priority { get; init; }

    public DateTimeOffset? Stamp { get; init; }

    public TestStatus Status { get; init; }

    public Dictionary<string, string> Labels { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, MediaJson.Options);
}
