using System.Text.Json;
using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime.Core;

/// <summary>
/// One turn in progress: its transaction, the grains it has locked (each once: reentrant calls reuse the
/// activation), and its buffered effects. Flows with the async call chain so nested grain calls join it.
/// </summary>
internal sealed class TurnContext
{
    private static readonly AsyncLocal<TurnContext?> CurrentSlot = new();

    private readonly Dictionary<GrainId, Grain> _grains = [];
    private readonly SemaphoreSlim _txLock = new(1, 1);
    private readonly bool _mayAssumeNew;
    private Exception? _storeFailure;

    /// <param name="mayAssumeNew">Whether calls marked <see cref="CreatesGrainAttribute"/> may skip the lock step
    /// (not after a wrong guess or a retry: those run the usual way).</param>
    public TurnContext(GrainRuntime runtime, ITurnTransaction? transaction, bool isReadOnly, bool mayAssumeNew = false)
    {
        Runtime = runtime;
        Transaction = transaction;
        IsReadOnly = isReadOnly;
        _mayAssumeNew = mayAssumeNew;
    }

    public static TurnContext? Current
    {
        get => CurrentSlot.Value;
        set => CurrentSlot.Value = value;
    }

    public GrainRuntime Runtime { get; }

    public ITurnTransaction? Transaction { get; }

    public bool IsReadOnly { get; }

    public bool IsCompleted { get; private set; }

    public TurnEffects Effects { get; } = new();

    /// <summary>A grain this turn entered assuming it new, without reading its row (it must be inserted at commit).</summary>
    public GrainId? AssumedNew { get; private set; }

    /// <summary>Locks and loads the grain into this turn (or returns it if already in). Null if the guard failed.
    /// <paramref name="createsGrain"/>: unless a wrong guess already sent this turn the usual way, a grain without an
    /// idle cached activation here is assumed new and starts from empty state without a store step (see
    /// <see cref="CreatesGrainAttribute"/>). No cached activation proves nothing (another turn may hold it, another
    /// silo may have written it): what makes the guess safe is that only the commit's insert can confirm it.</summary>
    public async Task<Grain?> EnterAsync(
        GrainId grainId, GrainClassInfo grainClass, TurnGuard? guard, bool createsGrain, CancellationToken cancellationToken)
    {
        if (_grains.TryGetValue(grainId, out var present))
        {
            return present;
        }

        var cached = Runtime.Activations.TryCheckout(grainId);
        if (createsGrain && _mayAssumeNew && guard is null && cached is null && AssumedNew is null)
        {
            AssumedNew = grainId;
            return Join(grainId, grainClass, cached: null, record: null);
        }

        var (passed, record) = await OnTransactionAsync(
            tx => tx.LockGrainAsync(grainId, cached?.Version ?? -1, guard, cancellationToken), cancellationToken).ConfigureAwait(false);

        if (!passed)
        {
            if (cached is not null)
            {
                Runtime.Activations.Return(cached);
            }

            return null;
        }

        return Join(grainId, grainClass, cached, record);
    }

    /// <summary>
    /// Locks and loads several grains into this (fresh) turn in one store step, in the store's lock order. Null if the
    /// guard failed. Used to deliver job outcomes of many grains in one transaction.
    /// </summary>
    public async Task<IReadOnlyList<Grain>?> EnterManyAsync(
        IReadOnlyList<(GrainId GrainId, GrainClassInfo GrainClass)> grains, TurnGuard? guard, CancellationToken cancellationToken)
    {
        var cached = grains.Select(g => Runtime.Activations.TryCheckout(g.GrainId)).ToArray();
        var (passed, records) = await OnTransactionAsync(
            tx => tx.LockGrainsAsync(grains.Select((g, i) => (g.GrainId, cached[i]?.Version ?? -1)).ToList(), guard, cancellationToken),
            cancellationToken).ConfigureAwait(false);

        if (!passed)
        {
            foreach (var grain in cached)
            {
                if (grain is not null)
                {
                    Runtime.Activations.Return(grain);
                }
            }

            return null;
        }

        return grains.Select((g, i) => Join(g.GrainId, g.GrainClass, cached[i], records[i])).ToList();
    }

    /// <summary>The cached activation if it is current, else a fresh one from the locked record; now part of this turn.</summary>
    private Grain Join(GrainId grainId, GrainClassInfo grainClass, Grain? cached, GrainRecord? record)
    {
        var grain = cached is not null && cached.Version == (record?.Version ?? 0) && cached.GrainId == grainId
            ? cached
            : Runtime.CreateActivation(grainId, grainClass, record);
        grain.Turn = this;
        _grains[grainId] = grain;
        return grain;
    }

    /// <summary>A grain call made from inside this turn.</summary>
    public async Task<object?> CallNestedAsync(GrainId grainId, GrainClassInfo grainClass, GrainMethod method, object?[]? args)
    {
        if (IsCompleted)
        {
            throw new InvalidOperationException($"A call to {grainId}.{method.Name} was made after its calling turn ended (an un-awaited task?).");
        }

        if (IsReadOnly)
        {
            if (!method.IsReadOnly)
            {
                throw new InvalidOperationException($"A [ReadOnly] call cannot call {grainId}.{method.Name}, which may write.");
            }

            return await Runtime.InvokeReadOnlyAsync(grainId, grainClass, method, args).ConfigureAwait(false);
        }

        if (method.IsReadOnly && !_grains.ContainsKey(grainId))
        {
            // A [ReadOnly] call on a grain this turn has not entered reads its committed state without locking it
            // (on the turn's connection): reading a shared grain (a project's limits) must not serialize every
            // turn that reads it until their commits.
            return await Runtime.InvokeReadOnlyAsync(grainId, grainClass, method, args, ReadUnlockedAsync).ConfigureAwait(false);
        }

        var grain = (await EnterAsync(grainId, grainClass, guard: null, method.CreatesGrain, CancellationToken.None).ConfigureAwait(false))!;
        var mark = Effects.Mark();
        var state = grain.StateObject;
        var partition = grain.PartitionValue;
        try
        {
            return await method.InvokeAsync(grain, args).ConfigureAwait(false);
        }
        catch
        {
            // The callee's changes go with its exception, whether or not the caller catches it.
            Effects.RollbackTo(mark);
            grain.StateObject = state;
            grain.PartitionValue = partition;
            throw;
        }
    }

    private Task<GrainRecord?> ReadUnlockedAsync(GrainId grainId, long cachedVersion) =>
        OnTransactionAsync(tx => tx.ReadGrainAsync(grainId, cachedVersion, CancellationToken.None), CancellationToken.None);

    /// <summary>One store step of this turn: steps take the turn's connection one at a time, and a failed step
    /// poisons the turn (<see cref="ThrowIfPoisoned"/>) even if a grain swallows the exception.</summary>
    private async Task<T> OnTransactionAsync<T>(Func<ITurnTransaction, Task<T>> step, CancellationToken cancellationToken)
    {
        await _txLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await step(Transaction!).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _storeFailure ??= e;
            throw;
        }
        finally
        {
            _txLock.Release();
        }
    }

    /// <summary>Throws the store error that poisoned this turn's transaction, if a grain swallowed it.</summary>
    public void ThrowIfPoisoned()
    {
        if (_storeFailure is { } e)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
        }
    }

    public List<GrainWrite> CollectWrites()
    {
        var writes = new List<GrainWrite>();
        foreach (var grain in _grains.Values)
        {
            if (grain.StateType is not { } stateType)
            {
                continue;
            }

            var state = grain.StateObject;
            var partition = grain.PartitionValue;
            if (ReferenceEquals(state, grain.LoadedState) && partition == grain.StoredPartition)
            {
                continue;
            }

            var json = JsonSerializer.Serialize(state, stateType, RuntimeJson.Options);
            grain.LoadedJson ??= JsonSerializer.Serialize(grain.LoadedState, stateType, RuntimeJson.Options);
            if (json == grain.LoadedJson && partition == grain.StoredPartition)
            {
                continue;
            }

            writes.Add(new GrainWrite(grain.GrainId, grain.Version, partition, json));
            grain.PendingJson = json;
        }

        // Only the insert of a grain assumed new proves it did not exist; without it the turn must run the usual way.
        if (AssumedNew is { } assumed && !writes.Exists(w => w.GrainId == assumed))
        {
            throw new InconsistentStateException(assumed, 0);
        }

        return writes;
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        var writes = CollectWrites();
        await _txLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Transaction!.CommitAsync(writes, Effects, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _txLock.Release();
        }

        IsCompleted = true;
        foreach (var grain in _grains.Values)
        {
            if (grain.PendingJson is { } json)
            {
                grain.Version++;
                grain.LoadedJson = json;
                grain.PendingJson = null;
            }

            grain.LoadedState = grain.StateObject;
            grain.StoredPartition = grain.PartitionValue;
            grain.Turn = null;
            Runtime.Activations.Return(grain);
        }
    }

    /// <summary>Rolled back: activations may hold uncommitted state, so they are dropped, never cached.</summary>
    public void Abort()
    {
        IsCompleted = true;
        foreach (var grain in _grains.Values)
        {
            grain.Turn = null;
        }
    }
}
