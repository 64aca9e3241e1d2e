namespace Orleans.Media.Silo.Events;

/// <summary>Settings of the live-progress endpoints (section <c>OrleansMedia:Events</c>).</summary>
public sealed class TaskEventsOptions
{
    public const string Section = "OrleansMedia:Events";

    /// <summary>A comment line is sent this often while no event arrives, so proxies and clients see a live connection.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Events read from the log per query.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>The <c>retry:</c> hint sent to clients (how long EventSource waits before reconnecting).</summary>
    public TimeSpan ClientRetry { get; set; } = TimeSpan.FromSeconds(2);
}
