namespace Orleans.Media.Runtime;

/// <summary>The cluster's silos (dashboard) and the local silo's state (readiness).</summary>
public interface IClusterMembership
{
    string LocalSiloId { get; }

    string LocalSiloName { get; }

    SiloStatus LocalStatus { get; }

    /// <summary>True while the local silo could not renew its heartbeat within its lease: it claims no jobs and
    /// refuses turns (<see cref="SiloUnavailableException"/>) until a heartbeat succeeds.</summary>
    bool IsFenced { get; }

    /// <summary>Active and not fenced: the store is reachable and the silo serves turns.</summary>
    bool IsReady { get; }

    Task<IReadOnlyList<SiloInfo>> GetSilosAsync(CancellationToken cancellationToken = default);
}
