using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime.Core;

/// <summary>
/// Claims due reminders (any silo) and fires each as a turn on its grain; the same transaction moves the reminder
/// to now + period, so ticks missed while no silo ran are coalesced into one. A failed tick is retried with backoff.
/// </summary>
internal sealed class ReminderAgent(
    IRuntimeStore store, GrainRuntime runtime, LocalSilo silo, IOptions<GrainRuntimeOptions> options, ILogger<ReminderAgent> logger)
{
    private const int BatchSize = 32;
    private readonly GrainRuntimeOptions _options = options.Value;

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var full = false;
            try
            {
                if (silo.CanClaim)
                {
                    var due = await store.ClaimRemindersAsync(silo.LocalSiloId, BatchSize, _options.ReminderLeaseTime, stop).ConfigureAwait(false);
                    await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stop },
                        async (r, _) => await FireAsync(r).ConfigureAwait(false)).ConfigureAwait(false);
                    full = due.Count == BatchSize;
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                RuntimeLog.ReminderLoopError(logger, silo.LocalSiloName, e.Message);
            }

            if (!full)
            {
                try
                {
                    await Task.Delay(_options.ReminderPollInterval, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task FireAsync(ClaimedReminder reminder)
    {
        try
        {
            var grainClass = runtime.Registry.ForTypeName(reminder.GrainId.Type);
            if (grainClass is null || !grainClass.IsRemindable)
            {
                throw new InvalidOperationException($"Grain type '{reminder.GrainId.Type}' is not registered here or does not implement IRemindable.");
            }

            var tick = new TickStatus(reminder.FirstDueAt, reminder.Period, reminder.DueAt);
            await runtime.RunTurnAsync(reminder.GrainId, grainClass, new AdvanceReminderGuard(silo.LocalSiloId, reminder), async grain =>
            {
                await ((IRemindable)grain).ReceiveReminder(reminder.Name, tick).ConfigureAwait(false);
                return null;
            }, createsGrain: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SiloUnavailableException)
        {
            // The reminder lease expires and another silo fires it.
        }
        catch (Exception e)
        {
            RuntimeLog.ReminderFailed(logger, reminder.Name, reminder.GrainId, e.Message);
            var delay = TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, Math.Min(reminder.Failures, 10))));
            try
            {
                await store.ReminderFailedAsync(reminder, silo.LocalSiloId, delay, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception inner)
            {
                RuntimeLog.ReminderLoopError(logger, silo.LocalSiloName, inner.Message);
            }
        }
    }
}
