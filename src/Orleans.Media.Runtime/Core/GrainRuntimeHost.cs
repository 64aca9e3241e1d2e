using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime.Core;

/// <summary>
/// Starts the silo (migrate the store, join membership, run the loops) and stops it gracefully: stop claiming,
/// cancel handlers, hand leases back, leave. <see cref="Kill"/> simulates a crash for tests.
/// </summary>
internal sealed class GrainRuntimeHost(
    IRuntimeStore store, GrainRuntime runtime, LocalSilo silo, MembershipAgent membership, JobWorker jobs, ReminderAgent reminders,
    IOptions<GrainRuntimeOptions> options, ILogger<GrainRuntimeHost> logger) : IHostedService
{
    private readonly GrainRuntimeOptions _options = options.Value;
    private readonly CancellationTokenSource _stop = new();
    private Task _loops = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            await membership.JoinAsync(cancellationToken).ConfigureAwait(false);
            runtime.MarkStarted();
        }
        catch (Exception e)
        {
            runtime.MarkFailed(e);
            throw;
        }

        var loops = new List<Task> { Task.Run(() => membership.RunAsync(_stop.Token), CancellationToken.None) };
        if (_options.Roles.Contains(SiloRoles.Worker))
        {
            loops.Add(jobs.RunAsync(_stop.Token));
        }

        if (_options.EnableReminders)
        {
            loops.Add(Task.Run(() => reminders.RunAsync(_stop.Token), CancellationToken.None));
        }

        _loops = Task.WhenAll(loops);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (silo.IsKilled)
        {
            await StopLoopsAsync().ConfigureAwait(false);
            return;
        }

        silo.MarkStopping();
        silo.LocalStatus = SiloStatus.ShuttingDown;
        await jobs.CancelAllAsync(_options.ShutdownTimeout).ConfigureAwait(false);
        await StopLoopsAsync().ConfigureAwait(false);
        try
        {
            await store.ReleaseLeasesAsync(silo.LocalSiloId, cancellationToken).ConfigureAwait(false);
            await membership.LeaveAsync(SiloStatus.Dead, cancellationToken).ConfigureAwait(false);
            RuntimeLog.HandedBack(logger, silo.LocalSiloName);
        }
        catch (Exception e)
        {
            RuntimeLog.HandBackFailed(logger, silo.LocalSiloName, e.Message);
        }

        silo.LocalStatus = SiloStatus.Dead;
    }

    /// <summary>As close to kill -9 as in-process allows: nothing more reaches the store, no hand-back, loops stop.</summary>
    public void Kill()
    {
        silo.MarkKilled();
        store.Kill();
        _stop.Cancel();
        _ = jobs.CancelAllAsync(TimeSpan.Zero);
    }

    private async Task StopLoopsAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loops.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
