using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime.Core;

/// <summary>Writes the local heartbeat, marks long-silent silos Dead, and purges expired nonces and old jobs.</summary>
internal sealed class MembershipAgent(
    IRuntimeStore store, LocalSilo silo, IOptions<GrainRuntimeOptions> options, TimeProvider time, ILogger<MembershipAgent> logger)
{
    private readonly GrainRuntimeOptions _options = options.Value;

    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        await store.RegisterSiloAsync(silo.ToInfo(), cancellationToken).ConfigureAwait(false);
        await store.HeartbeatAsync(silo.LocalSiloId, SiloStatus.Active, _options.DeadSiloTimeout, cancellationToken).ConfigureAwait(false);
        silo.HeartbeatSucceeded();
        silo.LocalStatus = SiloStatus.Active;
        RuntimeLog.SiloJoined(logger, silo.LocalSiloName, silo.LocalSiloId, string.Join(",", silo.Roles), store.Kind.ToString());
    }

    public async Task RunAsync(CancellationToken stop)
    {
        var fencedLogged = false;
        var lastPurge = time.GetTimestamp();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.HeartbeatInterval, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await store.HeartbeatAsync(silo.LocalSiloId, silo.LocalStatus, _options.DeadSiloTimeout, stop).ConfigureAwait(false);
                silo.HeartbeatSucceeded();
                if (fencedLogged)
                {
                    RuntimeLog.Unfenced(logger, silo.LocalSiloName);
                    fencedLogged = false;
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                RuntimeLog.HeartbeatFailed(logger, silo.LocalSiloName, e.Message);
                if (silo.IsFenced && !fencedLogged)
                {
                    RuntimeLog.Fenced(logger, silo.LocalSiloName);
                    fencedLogged = true;
                }
            }

            if (time.GetElapsedTime(lastPurge) >= _options.NoncePurgeInterval && !silo.IsFenced)
            {
                lastPurge = time.GetTimestamp();
                try
                {
                    await store.PurgeExpiredAsync(stop).ConfigureAwait(false);
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    RuntimeLog.PurgeFailed(logger, e.Message);
                }
            }
        }
    }

    public Task LeaveAsync(SiloStatus status, CancellationToken cancellationToken) =>
        store.HeartbeatAsync(silo.LocalSiloId, status, _options.DeadSiloTimeout, cancellationToken);
}
