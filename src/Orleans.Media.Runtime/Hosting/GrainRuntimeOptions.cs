namespace Orleans.Media.Runtime;

/// <summary>Settings of the local silo. Intervals are configurable so tests can run with leases of a second or two.</summary>
public sealed class GrainRuntimeOptions
{
    public string SiloName { get; set; } = Environment.MachineName;

    /// <summary>Where this silo serves HTTP (shown in membership), optional.</summary>
    public string? Endpoint { get; set; }

    /// <summary><see cref="SiloRoles.Api"/> and/or <see cref="SiloRoles.Worker"/>.</summary>
    public string[] Roles { get; set; } = [SiloRoles.Api, SiloRoles.Worker];

    /// <summary>How often the silo writes its heartbeat (and renews its job leases).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A silo that could not write its heartbeat for this long fences itself. Must be shorter than
    /// <see cref="JobLeaseTime"/> so a fenced silo stops before others take its jobs.</summary>
    public TimeSpan SiloLeaseTime { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Other silos mark a silo Dead after this long without a heartbeat.</summary>
    public TimeSpan DeadSiloTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Job lease; renewed every <see cref="HeartbeatInterval"/>. At least 3x the heartbeat interval.</summary>
    public TimeSpan JobLeaseTime { get; set; } = TimeSpan.FromSeconds(12);

    /// <summary>Jobs this silo runs at once.</summary>
    public int MaxConcurrentJobs { get; set; } = 8;

    /// <summary>Running jobs of one partition, cluster-wide.</summary>
    public int MaxConcurrentPerPartition { get; set; } = 4;

    /// <summary>Fallback poll when no wake-up arrives.</summary>
    public TimeSpan JobPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan JobRetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan JobRetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    public bool EnableReminders { get; set; } = true;

    public TimeSpan ReminderPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claimed reminder tick is reserved for the claiming silo.</summary>
    public TimeSpan ReminderLeaseTime { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan NoncePurgeInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Attempts of a turn that hits a deadlock, serialization failure or concurrent first write.</summary>
    public int MaxTurnAttempts { get; set; } = 12;

    /// <summary>Idle activations cached per silo.</summary>
    public int MaxCachedActivations { get; set; } = 100_000;

    /// <summary>Graceful stop: how long running job handlers get to observe cancellation before leases are handed back.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
