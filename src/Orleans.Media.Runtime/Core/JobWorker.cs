using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime.Core;

/// <summary>
/// The job loop of a worker silo: claims due jobs fairly across partitions (up to MaxConcurrentJobs here and
/// MaxConcurrentPerPartition cluster-wide), runs their handlers under a renewed lease, retries failures with
/// backoff, and delivers each outcome to its grain as a turn that also marks the job done.
/// </summary>
internal sealed class JobWorker
{
    private readonly IServiceProvider _services;
    private readonly IRuntimeStore _store;
    private readonly GrainRuntime _runtime;
    private readonly LocalSilo _silo;
    private readonly GrainRuntimeOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Guid, RunningJob> _running = new();
    /// <summary>Outcomes delivered by one turn (over one or several grains).</summary>
    private const int MaxOutcomesPerTurn = 256;

    /// <summary>Outcome turns in flight at once on this silo; each takes whatever finished meanwhile.</summary>
    private const int MaxDeliveryTurns = 2;

    private static readonly TimeSpan ClaimDebounce = TimeSpan.FromMilliseconds(5);
    private readonly List<PendingOutcome> _undelivered = [];
    private int _drainers;
    private readonly AsyncSignal _slotFreed = new();

    public JobWorker(
        IServiceProvider services, IRuntimeStore store, GrainRuntime runtime, LocalSilo silo, IOptions<GrainRuntimeOptions> options,
        ILogger<JobWorker> logger)
    {
        _services = services;
        _store = store;
        _runtime = runtime;
        _silo = silo;
        _options = options.Value;
        _logger = logger;
    }

    public int RunningCount => _running.Count;

    private string Owner => _silo.LocalSiloId;

    public Task RunAsync(CancellationToken stop) =>
        Task.WhenAll(
            Task.Run(() => ClaimLoopAsync(stop), CancellationToken.None),
            Task.Run(() => FenceWatchAsync(stop), CancellationToken.None));

    /// <summary>Cancels every running handler and waits (bounded) for them to end.</summary>
    public async Task CancelAllAsync(TimeSpan wait)
    {
        var jobs = _running.Values.ToArray();
        foreach (var job in jobs)
        {
            job.Cancel(leaseLost: false);
        }

        await Task.WhenAny(Task.WhenAll(jobs.Select(j => j.Completion)), Task.Delay(wait)).ConfigureAwait(false);
    }

    private async Task ClaimLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var wake = Task.WhenAny(_runtime.JobsScheduledLocally.Current, _store.JobsScheduled.Current, _slotFreed.Current);
            var claimedAll = false;
            try
            {
                // Claims are serialized cluster-wide: claim in batches. With few slots free and jobs running, give
                // other jobs a moment to finish so one claim fills several slots.
                var threshold = Math.Max(1, _options.MaxConcurrentJobs / 4);
                for (var waited = 0; waited < 4 && _options.MaxConcurrentJobs - _running.Count < threshold && !_running.IsEmpty; waited++)
                {
                    await Task.WhenAny(_slotFreed.Current, Task.Delay(5, stop)).ConfigureAwait(false);
                }

                var free = _options.MaxConcurrentJobs - _running.Count;
                if (_silo.CanClaim && free > 0)
                {
                    var claimed = await _store.ClaimJobsAsync(Owner, free, _options.MaxConcurrentPerPartition, _options.JobLeaseTime, stop)
                        .ConfigureAwait(false);
                    foreach (var job in claimed)
                    {
                        Start(job, stop);
                    }

                    claimedAll = claimed.Count > 0 && claimed.Count == free;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                RuntimeLog.JobLoopError(_logger, _silo.LocalSiloName, e.Message);
            }

            if (!claimedAll)
            {
                await Task.WhenAny(wake, Task.Delay(_options.JobPollInterval, stop)).ConfigureAwait(false);

                // Debounce: a burst of scheduling turns would otherwise cost one (serialized, committed) claim per
                // job; a few milliseconds let one claim take the whole burst.
                await Task.WhenAny(Task.Delay(ClaimDebounce, stop)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Renews the leases of running jobs; cancels the handlers whose lease is gone (or whose job was
    /// cancelled). Runs on the silo's control thread, right after a successful heartbeat.</summary>
    public void RenewLeases()
    {
        var ids = _running.Keys.ToArray();
        if (ids.Length == 0 || _silo.IsFenced)
        {
            return;
        }

        var renewed = _store.RenewJobLeases(Owner, ids, _options.JobLeaseTime);
        foreach (var id in ids)
        {
            if (!renewed.Contains(id) && _running.TryGetValue(id, out var job) && !job.Finishing)
            {
                RuntimeLog.LeaseLost(_logger, id);
                job.Cancel(leaseLost: true);
            }
        }
    }

    /// <summary>No store access here: fencing must work even when store calls hang.</summary>
    private async Task FenceWatchAsync(CancellationToken stop)
    {
        var period = TimeSpan.FromMilliseconds(Math.Min(500, _options.HeartbeatInterval.TotalMilliseconds / 2));
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (_silo.IsFenced || _silo.IsKilled)
            {
                foreach (var job in _running.Values)
                {
                    job.Cancel(leaseLost: true);
                }
            }
        }
    }

    private void Start(ClaimedJob job, CancellationToken stop)
    {
        var running = new RunningJob(job, CancellationTokenSource.CreateLinkedTokenSource(stop));
        _running[job.Id] = running;
        running.Completion = Task.Run(async () =>
        {
            try
            {
                await RunJobAsync(running).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                RuntimeLog.JobLoopError(_logger, _silo.LocalSiloName, e.Message);
            }
            finally
            {
                _running.TryRemove(job.Id, out _);
                running.Dispose();
                _slotFreed.Pulse();
            }
        }, CancellationToken.None);
    }

    private async Task RunJobAsync(RunningJob running)
    {
        var job = running.Job;
        if (job.PendingOutcome is { } pending)
        {
            await DeliverAsync(running, pending).ConfigureAwait(false);
            return;
        }

        if (job.Attempt > job.MaxAttempts)
        {
            // Lease expiries count as attempts, so a job that keeps killing its silo is dead-lettered too.
            await DeliverAsync(running, new JobOutcomeRecord(JobOutcomeStatus.Failed, null,
                $"Attempt {job.Attempt} exceeds MaxAttempts {job.MaxAttempts} (the last attempts lost their lease).", job.Attempt - 1)).ConfigureAwait(false);
            return;
        }

        object? result;
        var token = running.Token;
        try
        {
            await using var scope = _services.CreateAsyncScope();
            var handler = scope.ServiceProvider.GetKeyedService<IJobHandler>(job.Kind)
                ?? throw new InvalidOperationException($"No job handler is registered for kind '{job.Kind}' (AddJobHandler).");
            var context = new JobContext(job.Id, job.GrainId, job.Kind, job.Partition, job.Payload, job.Attempt, job.MaxAttempts, job.Checkpoint,
                SaveCheckpointAsync, token);
            result = await handler.ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            // Lease lost, fenced or stopping: the lease expires or is handed back; no outcome from this attempt.
            return;
        }
        catch (Exception e)
        {
            RuntimeLog.JobFailed(_logger, job.Id, job.Kind, job.Attempt, e.Message);
            var error = $"{e.GetType().Name}: {e.Message}";
            if (job.Attempt >= job.MaxAttempts)
            {
                await DeliverAsync(running, new JobOutcomeRecord(JobOutcomeStatus.Failed, null, error, job.Attempt)).ConfigureAwait(false);
            }
            else
            {
                await _store.RequeueJobAsync(job.Id, Owner, RetryDelay(job.Attempt), error, pendingOutcome: null, refundAttempt: false, CancellationToken.None)
                    .ConfigureAwait(false);
            }

            return;
        }

        if (running.LeaseLost)
        {
            return;
        }

        var json = result is null ? null : JsonSerializer.Serialize(result, result.GetType(), RuntimeJson.Options);
        await DeliverAsync(running, new JobOutcomeRecord(JobOutcomeStatus.Succeeded, json, null, job.Attempt)).ConfigureAwait(false);

        async Task<bool> SaveCheckpointAsync(string checkpoint, CancellationToken ct)
        {
            if (_silo.IsFenced || running.LeaseLost)
            {
                return false;
            }

            return await _store.SaveJobCheckpointAsync(job.Id, Owner, checkpoint, _options.JobLeaseTime, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Delivers an outcome (returns once it is delivered or parked for a later retry). Outcomes that finish together
    /// are delivered together: those of several grains in one turn over all of them (one transaction, one commit for
    /// many jobs), falling back to one turn per grain if any grain refuses.
    /// </summary>
    private async Task DeliverAsync(RunningJob running, JobOutcomeRecord outcome)
    {
        var job = running.Job;
        running.Finishing = true;
        var grainClass = _runtime.Registry.ForTypeName(job.GrainId.Type);
        if (grainClass is null || !grainClass.IsOutcomeReceiver)
        {
            await _store.FinishJobAsync(job.Id, Owner, outcome, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var pending = new PendingOutcome(job, grainClass, outcome);
        bool start;
        lock (_undelivered)
        {
            _undelivered.Add(pending);
            start = _drainers < MaxDeliveryTurns;
            if (start)
            {
                _drainers++;
            }
        }

        if (start)
        {
            _ = Task.Run(DrainAsync);
        }

        await pending.Delivered.Task.ConfigureAwait(false);
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            List<PendingOutcome> batch;
            lock (_undelivered)
            {
                if (_undelivered.Count == 0)
                {
                    _drainers--;
                    return;
                }

                batch = _undelivered.Take(MaxOutcomesPerTurn).ToList();
                _undelivered.RemoveRange(0, batch.Count);
            }

            try
            {
                var byGrain = batch.GroupBy(p => p.Job.GrainId).Select(g => g.ToList()).ToList();
                if (byGrain.Count == 1 || !await TryDeliverManyAsync(byGrain).ConfigureAwait(false))
                {
                    // Distinct grains: their own turns may run side by side.
                    await Task.WhenAll(byGrain.Select(DeliverToGrainAsync)).ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                RuntimeLog.JobLoopError(_logger, _silo.LocalSiloName, e.Message);
            }
            finally
            {
                foreach (var p in batch)
                {
                    p.Delivered.TrySetResult();
                }
            }
        }
    }

    /// <summary>One grain's outcomes in one turn; if the grain refuses, one by one (a refused one is parked for retry).</summary>
    private async Task DeliverToGrainAsync(IReadOnlyList<PendingOutcome> outcomes)
    {
        if (!await TryDeliverAsync(outcomes[0].Job.GrainId, outcomes[0].GrainClass, outcomes).ConfigureAwait(false) && outcomes.Count > 1)
        {
            foreach (var one in outcomes)
            {
                await TryDeliverAsync(one.Job.GrainId, one.GrainClass, [one]).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The outcomes of several grains in one turn: the guard marks every job done/dead, each grain receives its own
    /// outcomes, one commit. False if a grain threw (nothing was committed; the caller delivers grain by grain).
    /// </summary>
    private async Task<bool> TryDeliverManyAsync(IReadOnlyList<List<PendingOutcome>> byGrain)
    {
        var guard = new CompleteJobsGuard(Owner, byGrain.SelectMany(g => g).Select(p => (p.Job.Id, p.Outcome)).ToList());
        try
        {
            await _runtime.RunBatchTurnAsync(byGrain.Select(g => (g[0].Job.GrainId, g[0].GrainClass)).ToList(), guard, async grains =>
            {
                for (var i = 0; i < grains.Count; i++)
                {
                    await DeliverAsync(grains[i], byGrain[i], guard).ConfigureAwait(false);
                }
            }, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (SiloUnavailableException)
        {
            // Fenced or stopped: the leases expire and another silo finishes these jobs.
            return true;
        }
        catch (Exception e)
        {
            RuntimeLog.OutcomeFailed(_logger, byGrain[0][0].Job.Id, byGrain[0][0].Job.GrainId, e.Message);
            return false;
        }
    }

    /// <summary>Hands a grain, inside the outcome turn, each of its outcomes whose job the guard completed.</summary>
    private static async Task DeliverAsync(Grain grain, IEnumerable<PendingOutcome> outcomes, CompleteJobsGuard guard)
    {
        foreach (var p in outcomes)
        {
            if (guard.Completed.Contains(p.Job.Id))
            {
                await ((IJobOutcomeReceiver)grain).OnJobCompletedAsync(p.ToJobOutcome()).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs the outcome turn; false if the grain threw (a single outcome is then parked for retry).</summary>
    private async Task<bool> TryDeliverAsync(GrainId grainId, GrainClassInfo grainClass, IReadOnlyList<PendingOutcome> batch)
    {
        var guard = new CompleteJobsGuard(Owner, batch.Select(p => (p.Job.Id, p.Outcome)).ToList());
        try
        {
            await _runtime.RunTurnAsync(grainId, grainClass, guard, async grain =>
            {
                await DeliverAsync(grain, batch, guard).ConfigureAwait(false);
                return null;
            }, createsGrain: false, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (SiloUnavailableException)
        {
            // Fenced or stopped: the leases expire and another silo finishes these jobs.
            return true;
        }
        catch (Exception e) when (batch.Count > 1)
        {
            RuntimeLog.OutcomeFailed(_logger, batch[0].Job.Id, grainId, e.Message);
            return false;
        }
        catch (Exception e)
        {
            var p = batch[0];
            RuntimeLog.OutcomeFailed(_logger, p.Job.Id, grainId, e.Message);
            try
            {
                // Keep the result; the next claim only re-delivers it (the handler does not run again).
                await _store.RequeueJobAsync(p.Job.Id, Owner, RetryDelay(Math.Max(1, p.Job.Attempt)), $"outcome delivery: {e.Message}", p.Outcome,
                    refundAttempt: false, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception inner)
            {
                RuntimeLog.JobLoopError(_logger, _silo.LocalSiloName, inner.Message);
            }

            return false;
        }
    }

    private TimeSpan RetryDelay(int attempt)
    {
        var ms = _options.JobRetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20));
        ms = Math.Min(ms, _options.JobRetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms * (0.8 + Random.Shared.NextDouble() * 0.4));
    }

    private sealed class RunningJob(ClaimedJob job, CancellationTokenSource cts) : IDisposable
    {
        public ClaimedJob Job { get; } = job;

        public CancellationToken Token { get; } = cts.Token;

        private volatile bool _leaseLost;
        private volatile bool _finishing;

        public Task Completion { get; set; } = Task.CompletedTask;

        /// <summary>The lease is gone (renewal refused, fenced, killed): this attempt must not deliver an outcome.</summary>
        public bool LeaseLost => _leaseLost;

        /// <summary>The handler returned; its outcome is being delivered (renewal misses are expected now).</summary>
        public bool Finishing
        {
            get => _finishing;
            set => _finishing = value;
        }

        public void Cancel(bool leaseLost)
        {
            if (leaseLost)
            {
                _leaseLost = true;
            }

            try
            {
                cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void Dispose() => cts.Dispose();
    }

    private sealed class PendingOutcome(ClaimedJob job, GrainClassInfo grainClass, JobOutcomeRecord outcome)
    {
        public ClaimedJob Job { get; } = job;

        public GrainClassInfo GrainClass { get; } = grainClass;

        public JobOutcomeRecord Outcome { get; } = outcome;

        public TaskCompletionSource Delivered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public JobOutcome ToJobOutcome() => new(Job.Id, Job.Kind, Outcome.Status,
            Outcome.ResultJson is null ? null : JsonDocument.Parse(Outcome.ResultJson).RootElement.Clone(), Outcome.Error, Outcome.Attempts);
    }
}
