namespace Orleans.Media.Runtime;

/// <summary>A job a turn schedules: <paramref name="Kind"/> selects the <see cref="IJobHandler"/>;
/// <paramref name="Payload"/> is stored as JSON.</summary>
public sealed record JobRequest(string Kind, object? Payload)
{
    /// <summary>Fairness partition; defaults to the scheduling grain's Partition, else "".</summary>
    public string? Partition { get; init; }

    /// <summary>Attempts before the job is dead-lettered (status dead, failure outcome delivered).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Not claimed before this delay has elapsed.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Optional id chosen by the caller; generated otherwise.</summary>
    public Guid? JobId { get; init; }
}
