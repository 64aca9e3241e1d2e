using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Runtime;

namespace Orleans.Media.Testing;

/// <summary>How a <see cref="TestCluster"/> builds its silos. Timings default to short leases so failure tests run in seconds.</summary>
public sealed class TestClusterOptions
{
    public TestStore Store { get; set; } = TestStore.Postgres;

    public int InitialSilos { get; set; } = 1;

    /// <summary>Route each silo's store connections through its own <see cref="TcpProxy"/> (PostgreSQL only).</summary>
    public bool UseTcpProxy { get; set; }

    /// <summary>Registers grains and job handlers on every silo.</summary>
    public Action<GrainRuntimeBuilder>? ConfigureRuntime { get; set; }

    /// <summary>Adjusts runtime options of every silo (after the fast test timings are applied).</summary>
    public Action<GrainRuntimeOptions>? ConfigureOptions { get; set; }

    /// <summary>Extra services of every silo (index of the silo, services).</summary>
    public Action<int, IServiceCollection>? ConfigureServices { get; set; }

    /// <summary>Test timings: heartbeat 200 ms, fence after 3 s, job lease 4 s, dead after 6 s, polls of 100–200 ms.
    /// (The fence must tolerate a loaded 2-core test machine; shorter leases fenced healthy silos there.)</summary>
    public static void ApplyFastTimings(GrainRuntimeOptions o)
    {
        o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
        o.SiloLeaseTime = TimeSpan.FromSeconds(3);
        o.JobLeaseTime = TimeSpan.FromSeconds(4);
        o.DeadSiloTimeout = TimeSpan.FromSeconds(6);
        o.JobPollInterval = TimeSpan.FromMilliseconds(100);
        o.JobRetryBaseDelay = TimeSpan.FromMilliseconds(100);
        o.JobRetryMaxDelay = TimeSpan.FromSeconds(1);
        o.ReminderPollInterval = TimeSpan.FromMilliseconds(200);
        o.ReminderLeaseTime = TimeSpan.FromSeconds(3);
        o.ShutdownTimeout = TimeSpan.FromSeconds(2);
    }
}
