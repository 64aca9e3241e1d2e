namespace Orleans.Media.Runtime;

/// <summary>A row of the membership table.</summary>
public sealed record SiloInfo(
    string Id, string Name, string? Endpoint, IReadOnlyList<string> Roles, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, SiloStatus Status);
