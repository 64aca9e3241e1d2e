namespace Orleans.Media.Grains.Tasks;

/// <summary>A task as GetTask and ListTasks return it (the reference's <c>TaskInfo</c>).</summary>
public sealed record TaskInfo
{
    public required string ProjectName { get; init; }

    public required string TaskId { get; init; }

    public required string TaskType { get; init; }

    public required string EventId { get; init; }

    public required string Status { get; init; }

    public string? Code { get; init; }

    public string? Message { get; init; }

    /// <summary>RFC 3339, UTC.</summary>
    public string? StartTime { get; init; }

    public string? EndTime { get; init; }

    public int Progress { get; init; }

    public string? UserData { get; init; }

    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>The request that created the task, as a JSON string; only when asked for (RequestDefinition=true).</summary>
    public string? TaskRequestDefinition { get; init; }
}
