using System.ComponentModel.DataAnnotations;

namespace Orleans.Media.Silo.Events;

/// <summary>Settings of the live-progress endpoints (section <c>OrleansMedia:Events</c>), validated at start.</summary>
public sealed class TaskEventsOptions
{
    public const string Section = "OrleansMedia:Events";

    /// <summary>A comment line is sent this often while no event arrives, so proxies and clients see a live connection.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = Section + ":HeartbeatInterval must be between 100 ms and 5 minutes.")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Events read from the log per query.</summary>
    [Range(1, 10_000, ErrorMessage = Section + ":BatchSize must be between 1 and 10,000.")]
    public int BatchSize { get; set; } = 500;

    /// <summary>The <c>retry:</c> hint sent to clients (how long EventSource waits before reconnecting).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = Section + ":ClientRetry cannot be negative.")]
    public TimeSpan ClientRetry { get; set; } = TimeSpan.FromSeconds(2);
}
