using System.ComponentModel.DataAnnotations;

namespace Orleans.Media.Grains.Work;

/// <summary>How grains run their background work (section <see cref="Section"/>).</summary>
public sealed class WorkOptions
{
    public const string Section = "OrleansMedia:Work";

    /// <summary>Extractions decoding at once on one silo (CPU-heavy; the rest wait for a turn on this silo).</summary>
    [Range(1, 256)]
    public int MaxConcurrentExtractions { get; set; } = 8;

    /// <summary>How often a running task saves its checkpoint and progress into its state.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Period of the reminder an unfinished task or notification holds: after its silo dies, the work resumes on
    /// another silo at the latest one period after the cluster has declared the silo dead.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First retry delay after a transient failure (storage outage, failed delivery); doubles each attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A project's engine slot that its task has not renewed for this long is free again (a task that vanished).</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan SlotLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The delay before attempt <paramref name="attempt"/> (1-based: the first retry is attempt 2).</summary>
    public TimeSpan RetryDelay(int attempt)
    {
        var factor = Math.Pow(2, Math.Clamp(attempt - 2, 0, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(RetryBaseDelay.Ticks * factor, RetryMaxDelay.Ticks));
        // Jitter (±20 %) so retries of many tasks after one outage do not arrive together.
        return delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
    }
}
