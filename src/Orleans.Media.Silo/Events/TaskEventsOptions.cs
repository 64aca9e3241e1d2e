namespace Orleans.Media.Silo.Events;

/// <summary>Settings of the live-progress endpoints (configure with <c>services.Configure&lt;TaskEventsOptions&gt;</c>).</summary>
public sealed class TaskEventsOptions
{
    /// <summary>A comment line is sent this often while no event arrives, so proxies and clients see a live connection.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Events read from the log per query.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>The <c>retry:</c> hint sent to clients (how long EventSource waits before reconnecting).</summary>
    public TimeSpan ClientRetry { get; set; } = TimeSpan.FromSeconds(2);

    internal void Validate()
    {
        if (HeartbeatInterval < TimeSpan.FromMilliseconds(100) || HeartbeatInterval > TimeSpan.FromMinutes(5))
        {
            throw new InvalidOperationException("TaskEventsOptions.HeartbeatInterval must be between 100 ms and 5 minutes.");
        }
        if (BatchSize is < 1 or > 10_000)
        {
            throw new InvalidOperationException("TaskEventsOptions.BatchSize must be between 1 and 10,000.");
        }
        if (ClientRetry < TimeSpan.Zero)
        {
            throw new InvalidOperationException("TaskEventsOptions.ClientRetry cannot be negative.");
        }
    }
}
