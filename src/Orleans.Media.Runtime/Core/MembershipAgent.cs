using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime.Core;

/// <summary>
/// Membership and leases. The heartbeat and job-lease renewals run on a dedicated thread with synchronous store
/// calls: a silo whose thread pool is saturated by turns must not miss its own heartbeat and fence itself.
/// Expired nonces and old finished jobs are purged on the thread pool.
/// </summary>
internal sealed class MembershipAgent(
    IRuntimeStore store, LocalSilo silo, JobWorker jobs, IOptions<GrainRuntimeOptions> options, TimeProvider time, ILogger<MembershipAgent> logger)
{
    private readonly GrainRuntimeOptions _options = options.Value;

    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        await store.RegisterSiloAsync(silo.ToInfo(), cancellationToken).ConfigureAwait(false);
        var sentAt = silo.Now();
        await store.HeartbeatAsync(silo.LocalSiloId, SiloStatus.Active, _options.DeadSiloTimeout, cancellationToken).ConfigureAwait(false);
        silo.HeartbeatSucceeded(sentAt);
        silo.LocalStatus = SiloStatus.Active;
        RuntimeLog.SiloJoined(logger, silo.LocalSiloName, silo.LocalSiloId, string.Join(",", silo.Roles), store.Kind.ToString());
    }

    public Task RunAsync(CancellationToken stop)
    {
        var control = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                ControlLoop(stop);
            }
            finally
            {
                control.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = "om-control-" + silo.LocalSiloName,
        };
        thread.Start();
        return Task.WhenAll(control.Task, Task.Run(() => PurgeLoopAsync(stop), CancellationToken.None));
    }

    public Task LeaveAsync(SiloStatus status, CancellationToken cancellationToken) =>
        store.HeartbeatAsync(silo.LocalSiloId, status, _options.DeadSiloTimeout, cancellationToken);

    private void ControlLoop(CancellationToken stop)
    {
        var fencedLogged = false;
        var wait = _options.HeartbeatInterval;
        while (!stop.WaitHandle.WaitOne(wait))
        {
            wait = _options.HeartbeatInterval;
            try
            {
                var sentAt = silo.Now();
                store.Heartbeat(silo.LocalSiloId, silo.LocalStatus, _options.DeadSiloTimeout);
                silo.HeartbeatSucceeded(sentAt);
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

                // Try again soon rather than a whole interval later: one slow answer should not cost the lease.
                wait = TimeSpan.FromTicks(_options.HeartbeatInterval.Ticks / 4);
                continue;
            }
            catch (Exception)
            {
                return;
            }

            try
            {
                jobs.RenewLeases();
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                RuntimeLog.JobLoopError(logger, silo.LocalSiloName, e.Message);
            }
            catch (Exception)
            {
                return;
            }
        }
    }

    private async Task PurgeLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.NoncePurgeInterval, time, stop).ConfigureAwait(false);
                if (!silo.IsFenced)
                {
                    await store.PurgeExpiredAsync(stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                RuntimeLog.PurgeFailed(logger, e.Message);
            }
        }
    }
}
