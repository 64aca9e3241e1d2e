using Microsoft.Extensions.Options;
using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime.Core;

/// <summary>The local silo's identity, status and fencing state.</summary>
internal sealed class LocalSilo : IClusterMembership
{
    private readonly TimeProvider _time;
    private readonly IRuntimeStore _store;
    private readonly TimeSpan _lease;
    private long _lastHeartbeatOk;
    private volatile bool _killed;
    private volatile bool _stopping;

    public LocalSilo(IOptions<GrainRuntimeOptions> options, TimeProvider time, IRuntimeStore store)
    {
        var o = options.Value;
        _time = time;
        _store = store;
        _lease = o.SiloLeaseTime;
        LocalSiloId = Guid.NewGuid().ToString("N");
        LocalSiloName = o.SiloName;
        Roles = o.Roles;
        Endpoint = o.Endpoint;
        StartedAt = time.GetUtcNow();
        _lastHeartbeatOk = time.GetTimestamp();
    }

    public string LocalSiloId { get; }

    public string LocalSiloName { get; }

    public IReadOnlyList<string> Roles { get; }

    public string? Endpoint { get; }

    public DateTimeOffset StartedAt { get; }

    public SiloStatus LocalStatus { get; set; } = SiloStatus.Joining;

    public bool IsFenced => _time.GetElapsedTime(Interlocked.Read(ref _lastHeartbeatOk)) > _lease;

    public bool IsKilled => _killed;

    public bool IsReady => LocalStatus == SiloStatus.Active && !IsFenced && !_killed;

    /// <summary>True while the silo may claim jobs and reminders.</summary>
    public bool CanClaim => LocalStatus == SiloStatus.Active && !_stopping && !_killed && !IsFenced;

    /// <summary>A heartbeat sent at <paramref name="sentAt"/> (a <see cref="TimeProvider.GetTimestamp"/>) was stored.
    /// The lease runs from when it was sent, not from when the answer came: the row says <c>now()</c> of the
    /// statement, and other silos judge this one by that.</summary>
    public void HeartbeatSucceeded(long sentAt)
    {
        var last = Interlocked.Read(ref _lastHeartbeatOk);
        while (sentAt > last)
        {
            var seen = Interlocked.CompareExchange(ref _lastHeartbeatOk, sentAt, last);
            if (seen == last)
            {
                return;
            }

            last = seen;
        }
    }

    public long Now() => _time.GetTimestamp();

    public void MarkStopping() => _stopping = true;

    public void MarkKilled() => _killed = true;

    public void ThrowIfUnavailable()
    {
        if (_killed)
        {
            throw new SiloUnavailableException($"Silo {LocalSiloName} was stopped.");
        }

        if (IsFenced)
        {
            throw new SiloUnavailableException($"Silo {LocalSiloName} is fenced: it could not renew its membership heartbeat within {_lease}.");
        }
    }

    public Task<IReadOnlyList<SiloInfo>> GetSilosAsync(CancellationToken cancellationToken = default) => _store.GetSilosAsync(cancellationToken);

    public SiloInfo ToInfo() => new(LocalSiloId, LocalSiloName, Endpoint, Roles, StartedAt, _time.GetUtcNow(), LocalStatus);
}
