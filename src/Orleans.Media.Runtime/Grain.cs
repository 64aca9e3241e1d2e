using Orleans.Media.Runtime.Core;

namespace Orleans.Media.Runtime;

/// <summary>
/// Base class of grain classes. One instance is an activation: created through DI (constructor injection works),
/// used by one turn at a time. Turns must do no outside I/O: work outside the store is a job
/// (<see cref="ScheduleJob"/>). Everything a turn buffers (state, jobs, reminders, events) commits together or not at all.
/// </summary>
public abstract class Grain
{
    private GrainId _grainId;
    private IGrainFactory? _grainFactory;

    public GrainId GrainId => _grainId;

    /// <summary>References to other grains; calls made inside a turn join this turn's transaction.</summary>
    public IGrainFactory GrainFactory => _grainFactory ?? throw new InvalidOperationException("The grain is not activated.");

    /// <summary>Optional partition (e.g. the project name), persisted in its own column: used by state queries and as
    /// the default fairness partition of the jobs this grain schedules.</summary>
    protected string? Partition { get; set; }

    internal TurnContext? Turn { get; set; }

    internal long Version { get; set; }

    internal string? StoredPartition { get; set; }

    /// <summary>The state object as loaded or last committed (records are immutable: a new reference means a change).</summary>
    internal object? LoadedState { get; set; }

    /// <summary>Serialized <see cref="LoadedState"/>, computed lazily when a change must be confirmed.</summary>
    internal string? LoadedJson { get; set; }

    internal string? PendingJson { get; set; }

    /// <summary>A shared instance serving [ReadOnly] calls: it never has a turn.</summary>
    internal bool IsReadOnlySnapshot { get; set; }

    internal string? PartitionValue
    {
        get => Partition;
        set => Partition = value;
    }

    internal virtual Type? StateType => null;

    internal virtual object? StateObject
    {
        get => null;
        set { }
    }

    internal void Initialize(GrainId grainId, IGrainFactory grainFactory)
    {
        _grainId = grainId;
        _grainFactory = grainFactory;
    }

    /// <summary>Schedules a job in this turn's transaction; returns its id. The job exists iff the turn commits.</summary>
    protected Guid ScheduleJob(JobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RequireWritableTurn("schedule a job").Effects.ScheduleJob(GrainId, Partition, request);
    }

    /// <summary>Cancels a job of this grain (queued: never runs; running: its handler's token fires at its next lease
    /// renewal). A cancelled job delivers no outcome.</summary>
    protected void CancelJob(Guid jobId) => RequireWritableTurn("cancel a job").Effects.CancelJob(jobId);

    /// <summary>
    /// Sets how many jobs of <paramref name="partition"/> may run at once, cluster-wide (e.g. a project's engine
    /// concurrency); null removes the limit, back to <see cref="GrainRuntimeOptions.MaxConcurrentPerPartition"/>.
    /// Written in this turn's transaction (gone if the turn throws); applies from the next claim on. Lowering it
    /// cancels nothing: running jobs finish and no more start until the partition is under its new limit.
    /// </summary>
    protected void SetJobPartitionLimit(string partition, int? maxRunning)
    {
        ArgumentException.ThrowIfNullOrEmpty(partition);
        if (maxRunning < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxRunning), maxRunning, "A partition limit is at least 1 running job (null removes it).");
        }

        RequireWritableTurn("set a job partition limit").Effects.SetPartitionLimit(partition, maxRunning);
    }

    /// <summary>Registers or replaces a durable reminder. Period at least 1 second (see README: ticks missed while
    /// the cluster was down are coalesced into one).</summary>
    protected void RegisterOrUpdateReminder(string name, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (period < ReminderLimits.MinimumPeriod)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, $"A reminder period is at least {ReminderLimits.MinimumPeriod.TotalSeconds:0} s.");
        }

        if (dueTime < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(dueTime), dueTime, "The due time cannot be negative.");
        }

        RequireWritableTurn("register a reminder").Effects.RegisterReminder(GrainId, name, dueTime, period);
    }

    protected void UnregisterReminder(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        RequireWritableTurn("unregister a reminder").Effects.UnregisterReminder(GrainId, name);
    }

    /// <summary>Appends an event to a stream in this turn's transaction (several streams per turn are fine).</summary>
    protected void PublishEvent(StreamId stream, string type, object payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        RequireWritableTurn("publish an event").Effects.PublishEvent(GrainId, stream, type, payload);
    }

    private protected TurnContext RequireWritableTurn(string what)
    {
        if (IsReadOnlySnapshot)
        {
            throw new InvalidOperationException($"Grain {GrainId} cannot {what} in a [ReadOnly] call.");
        }

        var turn = Turn ?? throw new InvalidOperationException($"Grain {GrainId} cannot {what} outside a turn.");
        if (turn.IsReadOnly)
        {
            throw new InvalidOperationException($"Grain {GrainId} cannot {what} in a [ReadOnly] call.");
        }

        return turn;
    }
}
