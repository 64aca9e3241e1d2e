using System.Text.Json;

namespace Orleans.Media.Runtime;

/// <summary>The final result of a job, delivered exactly once to its grain (<see cref="IJobOutcomeReceiver"/>).</summary>
public sealed record JobOutcome(Guid JobId, string Kind, JobOutcomeStatus Status, JsonElement? Result, string? Error, int Attempts)
{
    public bool Succeeded => Status == JobOutcomeStatus.Succeeded;

    public T? GetResult<T>() => Result is { } r ? r.Deserialize<T>(RuntimeJson.Options) : default;
}
