using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime.Core;

/// <summary>
/// Runs grain calls as turns on this silo: a top-level call opens a store transaction, locks the grain row, runs the
/// method on an activation, writes changed state (version + 1) with the buffered effects and commits. Deadlocks,
/// serialization failures and concurrent first writes retry the whole turn with bounded exponential backoff.
/// </summary>
internal sealed class GrainRuntime : IGrainFactory
{
    private static readonly MethodInfo CreateProxyMethod = typeof(DispatchProxy).GetMethod(nameof(DispatchProxy.Create), 2, Type.EmptyTypes)!;

    private readonly IServiceProvider _services;
    private readonly IRuntimeStore _store;
    private readonly LocalSilo _silo;
    private readonly ILogger _logger;
    private readonly GrainRuntimeOptions _options;
    private readonly KeyedGate<GrainId> _gates = new();
    private readonly BoundedGrainMap _readSnapshots;
    private readonly ConcurrentDictionary<Type, Func<object>> _proxyFactories = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GrainRuntime(
        IServiceProvider services, IRuntimeStore store, LocalSilo silo, GrainRegistry registry, IOptions<GrainRuntimeOptions> options,
        ILogger<GrainRuntime> logger)
    {
        _services = services;
        _store = store;
        _silo = silo;
        Registry = registry;
        _options = options.Value;
        _logger = logger;
        Activations = new ActivationCache(_options.MaxCachedActivations);
        _readSnapshots = new BoundedGrainMap(_options.MaxCachedActivations);
    }

    public GrainRegistry Registry { get; }

    public ActivationCache Activations { get; }

    /// <summary>Pulsed after a local commit that scheduled jobs, so the local worker claims at once.</summary>
    public AsyncSignal JobsScheduledLocally { get; } = new();

    internal IRuntimeStore Store => _store;

    public void MarkStarted() => _started.TrySetResult();

    public void MarkFailed(Exception e) => _started.TrySetException(e);

    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var info = Registry.ForInterface(typeof(TGrainInterface));
        var factory = _proxyFactories.GetOrAdd(typeof(TGrainInterface),
            static t => CreateProxyMethod.MakeGenericMethod(t, typeof(GrainProxy)).CreateDelegate<Func<object>>());
        var proxy = (GrainProxy)factory();
        proxy.Bind(this, info, new GrainId(info.TypeName, key));
        return (TGrainInterface)(object)proxy;
    }

    public async Task<object?> InvokeAsync(GrainId grainId, GrainClassInfo grainClass, GrainMethod method, object?[]? args)
    {
        if (TurnContext.Current is { } turn && turn.Runtime == this && !turn.IsCompleted)
        {
            return await turn.CallNestedAsync(grainId, grainClass, method, args).ConfigureAwait(false);
        }

        if (!_started.Task.IsCompletedSuccessfully)
        {
            await _started.Task.ConfigureAwait(false);
        }

        _silo.ThrowIfUnavailable();
        if (method.IsReadOnly)
        {
            return await InvokeReadOnlyAsync(grainId, grainClass, method, args).ConfigureAwait(false);
        }

        var (_, result) = await RunTurnAsync(grainId, grainClass, guard: null, grain => method.InvokeAsync(grain, args), method.CreatesGrain,
            CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// A snapshot read: no lock, no transaction. Activations for reads are shared between concurrent read calls and
    /// refreshed when the stored version moves; the method must leave state as it found it.
    /// </summary>
    /// <param name="read">Where the record comes from: the store (null) or a turn's transaction (a nested read).</param>
    public async Task<object?> InvokeReadOnlyAsync(
        GrainId grainId, GrainClassInfo grainClass, GrainMethod method, object?[]? args, Func<GrainId, long, Task<GrainRecord?>>? read = null)
    {
        _readSnapshots.TryGetValue(grainId, out var cached);
        var cachedVersion = cached?.Version ?? -1;
        var record = read is null
            ? await _store.ReadGrainAsync(grainId, cachedVersion, CancellationToken.None).ConfigureAwait(false)
            : await read(grainId, cachedVersion).ConfigureAwait(false);
        var version = record?.Version ?? 0;
        Grain grain;
        if (cached is not null && cached.Version == version)
        {
            grain = cached;
        }
        else
        {
            grain = CreateActivation(grainId, grainClass, record);
            grain.IsReadOnlySnapshot = true;
            _readSnapshots.Set(grainId, grain);
        }

        var previous = TurnContext.Current;
        TurnContext.Current = new TurnContext(this, transaction: null, isReadOnly: true);
        try
        {
            var result = await method.InvokeAsync(grain, args).ConfigureAwait(false);
            if (!ReferenceEquals(grain.StateObject, grain.LoadedState) || grain.PartitionValue != grain.StoredPartition)
            {
                _readSnapshots.TryRemove(grainId, out _);
                throw new InvalidOperationException($"[ReadOnly] method {method.Name} changed the state of grain {grainId}.");
            }

            return result;
        }
        finally
        {
            TurnContext.Current = previous;
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> as a top-level turn on the grain, retried on transient store conflicts.
    /// With a guard (job completion, reminder tick) the turn is skipped (Ran=false) when the guard matches no row.
    /// <paramref name="createsGrain"/>: the grain is assumed new until that proves wrong (<see cref="CreatesGrainAttribute"/>).
    /// </summary>
    public async Task<(bool Ran, object? Result)> RunTurnAsync(
        GrainId grainId, GrainClassInfo grainClass, TurnGuard? guard, Func<Grain, Task<object?>> body, bool createsGrain,
        CancellationToken cancellationToken)
    {
        using var gate = await _gates.EnterAsync(grainId, cancellationToken).ConfigureAwait(false);
        return await RetryAsync(
            grainId, mayAssumeNew => RunOnceAsync(grainId, grainClass, guard, body, mayAssumeNew, createsGrain, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a turn's attempts: transient store conflicts retry with backoff up to <c>MaxTurnAttempts</c>; a wrong
    /// <see cref="CreatesGrainAttribute"/> guess (<see cref="AssumedNewGrainException"/>) is not contention and
    /// reruns at once the usual way, not counted. <paramref name="attempt"/> is told whether it may assume new grains.
    /// </summary>
    private async Task<T> RetryAsync<T>(GrainId logAs, Func<bool, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var mayAssumeNew = true;
        for (var n = 1; ; n++)
        {
            try
            {
                return await attempt(mayAssumeNew).ConfigureAwait(false);
            }
            catch (AssumedNewGrainException)
            {
                mayAssumeNew = false;
                n--;
            }
            catch (Exception e) when (n < _options.MaxTurnAttempts && (e is InconsistentStateException || _store.IsRetryable(e)))
            {
                mayAssumeNew = false;
                var delay = Backoff(n);
                RuntimeLog.TurnRetry(_logger, logAs, n, delay.TotalMilliseconds, e.Message);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private Task<(bool Ran, object? Result)> RunOnceAsync(
        GrainId grainId, GrainClassInfo grainClass, TurnGuard? guard, Func<Grain, Task<object?>> body, bool mayAssumeNew, bool createsGrain,
        CancellationToken cancellationToken) =>
        RunTurnOnceAsync(async turn =>
        {
            var grain = await turn.EnterAsync(grainId, grainClass, guard, createsGrain, cancellationToken).ConfigureAwait(false);
            return grain is null ? (false, null) : (true, await body(grain).ConfigureAwait(false));
        }, mayAssumeNew, cancellationToken);

    /// <summary>
    /// One attempt of a turn: its transaction, the turn context flowing with the call, <paramref name="enterAndRun"/>
    /// (Ran=false: a guard matched nothing, nothing is committed), the fencing check, the commit, and the local
    /// wake-ups for what the turn scheduled or published. Any exception aborts the turn. A turn that assumed a grain
    /// new throws <see cref="AssumedNewGrainException"/> when its method threw (it saw empty state; the stored state
    /// might have answered otherwise) or its insert conflicted; other commit failures propagate as they are.
    /// </summary>
    private async Task<(bool Ran, T Result)> RunTurnOnceAsync<T>(
        Func<TurnContext, Task<(bool Ran, T Result)>> enterAndRun, bool mayAssumeNew, CancellationToken cancellationToken)
    {
        _silo.ThrowIfUnavailable();
        await using var tx = await _store.BeginTurnAsync(cancellationToken).ConfigureAwait(false);
        var turn = new TurnContext(this, tx, isReadOnly: false, mayAssumeNew);
        var previous = TurnContext.Current;
        TurnContext.Current = turn;
        try
        {
            (bool Ran, T Result) outcome;
            try
            {
                outcome = await enterAndRun(turn).ConfigureAwait(false);
            }
            catch (Exception e) when (turn.AssumedNew is { } assumed && e is not OperationCanceledException)
            {
                throw new AssumedNewGrainException(assumed, e);
            }

            var (ran, result) = outcome;
            if (!ran)
            {
                turn.Abort();
                return (false, result);
            }

            // A silo that lost its lease while the turn ran must not commit: others may consider it dead.
            _silo.ThrowIfUnavailable();
            try
            {
                await turn.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InconsistentStateException e) when (turn.AssumedNew is { } assumed && e.GrainId == assumed)
            {
                throw new AssumedNewGrainException(assumed, e); // it existed after all (or was left unwritten)
            }
            if (turn.Effects.WakesWorkers)
            {
                JobsScheduledLocally.Pulse();
            }

            if (turn.Effects.HasEvents)
            {
                _store.EventsAppended.Pulse();
            }

            return (true, result);
        }
        catch
        {
            turn.Abort();
            throw;
        }
        finally
        {
            TurnContext.Current = previous;
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> as one top-level turn over several grains (job outcomes of many grains in one
    /// transaction and one commit), retried on transient store conflicts like any turn. The local gates are taken in
    /// one global order before the transaction starts, so this never waits on a gate while holding a row lock.
    /// Ran=false when the guard matched no row.
    /// </summary>
    public async Task<bool> RunBatchTurnAsync(
        IReadOnlyList<(GrainId GrainId, GrainClassInfo GrainClass)> grains, TurnGuard guard, Func<IReadOnlyList<Grain>, Task> body,
        CancellationToken cancellationToken)
    {
        var gates = new List<KeyedGate<GrainId>.Releaser>(grains.Count);
        try
        {
            foreach (var grainId in grains.Select(g => g.GrainId).Order(GrainIdOrder.Instance))
            {
                gates.Add(await _gates.EnterAsync(grainId, cancellationToken).ConfigureAwait(false));
            }

            // Batched outcome turns never assume grains new (their grains exist: they scheduled the jobs).
            return await RetryAsync(grains[0].GrainId, _ => RunBatchOnceAsync(grains, guard, body, cancellationToken), cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            foreach (var gate in gates)
            {
                gate.Dispose();
            }
        }
    }

    private async Task<bool> RunBatchOnceAsync(
        IReadOnlyList<(GrainId GrainId, GrainClassInfo GrainClass)> grains, TurnGuard guard, Func<IReadOnlyList<Grain>, Task> body,
        CancellationToken cancellationToken)
    {
        var (ran, _) = await RunTurnOnceAsync(async turn =>
        {
            var entered = await turn.EnterManyAsync(grains, guard, cancellationToken).ConfigureAwait(false);
            if (entered is null)
            {
                return (false, false);
            }

            await body(entered).ConfigureAwait(false);
            return (true, true);
        }, mayAssumeNew: false, cancellationToken).ConfigureAwait(false);
        return ran;
    }

    public Grain CreateActivation(GrainId grainId, GrainClassInfo grainClass, GrainRecord? record)
    {
        var grain = grainClass.Create(_services);
        grain.Initialize(grainId, this);
        if (record is not null)
        {
            if (grain.StateType is { } stateType && record.StateJson is { } json)
            {
                grain.StateObject = JsonSerializer.Deserialize(json, stateType, RuntimeJson.Options);
            }

            grain.Version = record.Version;
            grain.PartitionValue = record.Partition;
        }

        grain.StoredPartition = grain.PartitionValue;
        grain.LoadedState = grain.StateObject;
        grain.LoadedJson = null;
        return grain;
    }

    private static TimeSpan Backoff(int attempt)
    {
        // Exponential with full jitter: 2 ms .. ~500 ms.
        var cap = Math.Min(500, 2 * Math.Pow(2, attempt));
        return TimeSpan.FromMilliseconds(1 + Random.Shared.NextDouble() * cap);
    }
}
