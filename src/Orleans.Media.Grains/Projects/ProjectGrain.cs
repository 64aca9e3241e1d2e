using Orleans.Storage;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Media.Persistence;
using Microsoft.Extensions.Options;
using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Grains.Indexing;
using Orleans.Media.Grains.Tasks;
using Orleans.Media.Grains.Work;
using Orleans.Runtime;

namespace Orleans.Media.Grains.Projects;

[GrainType(GrainTypeName)]
public sealed partial class ProjectGrain(
    [PersistentState("project", MediaProviders.Storage)] IPersistentState<ProjectState> state,
    StateIndex index,
    TaskListing tasks,
    IOptions<WorkOptions> work,
    TimeProvider time,
    ILogger<ProjectGrain> logger) : Grain, IProjectGrain, IRemindable
{
    public const string GrainTypeName = "project";

    /// <summary>The reminder that purges the project's expired task records and wakes its waiting tasks.</summary>
    public const string HousekeepingReminder = "housekeeping";

    private ProjectState State => state.State;

    /// <summary>The state as last read or written successfully: what interleaved reads answer from (a write in
    /// flight has set <see cref="State"/> already, and may yet fail).</summary>
    private ProjectState _stored = new();

    /// <summary>Tasks <see cref="MayAcquireSlot"/> told yes that have not called <see cref="AcquireSlot"/> yet (in memory:
    /// a hint's bookkeeping, forgotten after <see cref="PromiseLifetime"/>).</summary>
    private readonly Dictionary<string, DateTimeOffset> _promised = new(StringComparer.Ordinal);

    private static readonly TimeSpan PromiseLifetime = TimeSpan.FromSeconds(30);

    /// <summary>
    /// At most this many tasks told yes and not granted yet: each grant is a state write, one at a time, so a burst
    /// under a high EngineConcurrency would queue thousands of AcquireSlot calls past their response timeout. The
    /// others stay queued (in the index) and are woken as these are granted.
    /// </summary>
    private const int MaxPendingGrants = 32;

    /// <summary>When <see cref="Admit"/> last told a task that no slot was free. Such a task does not ask for a slot:
    /// its queue entry may be written just after a slot freed and the queue was read without it, so for
    /// <see cref="BusyRecheckWindow"/> after that answer, a wake that leaves a slot unclaimed reads the queue again a
    /// second later (<see cref="_recheck"/>).</summary>
    private DateTimeOffset _toldBusyAt = DateTimeOffset.MinValue;

    private static readonly TimeSpan BusyRecheckWindow = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan RecheckDelay = TimeSpan.FromSeconds(1);

    private IGrainTimer? _recheck;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stored = State;
        return RepairIndexAsync();
    }

    private Task RepairIndexAsync() =>
        // Repairs an index copy lost to a crash between the state write and the index write (written again at the
        // next activation if lost, so it does not wait for the disk flush).
        !state.RecordExists ? Task.CompletedTask
        : State.Exists ? index.WriteAheadAsync(GrainTypeName, this.GetPrimaryKeyString(), null, State.Revision, State)
        : index.RemoveAsync(GrainTypeName, this.GetPrimaryKeyString());

    public async Task<ProjectState> Create(ProjectSettings settings)
    {
        var (next, ev) = ProjectTransitions.Create(State, this.GetPrimaryKeyString(), settings, time.GetUtcNow());
        await CommitAsync(next, ev);
        await RegisterHousekeepingAsync();
        return State;
    }

    public Task<ProjectState> Get()
    {
        var stored = _stored;
        ProjectTransitions.RequireExists(stored);
        return Task.FromResult(stored);
    }

    public async Task<ProjectState> Update(ProjectSettings settings)
    {
        var (next, ev) = ProjectTransitions.Update(State, settings, time.GetUtcNow());
        await CommitAsync(next, ev);
        await RegisterHousekeepingAsync();
        await WakeWaitingTasksAsync(); // A raised EngineConcurrency frees slots at once.
        return State;
    }

    public async Task Delete(long unfinishedTasks)
    {
        var (next, ev) = ProjectTransitions.Delete(State, unfinishedTasks, time.GetUtcNow());
        await CommitAsync(next, ev);
        if (await this.GetReminder(HousekeepingReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task<Admission> Admit()
    {
        var limits = ProjectTransitions.Admit(_stored);
        var now = time.GetUtcNow();
        var slotFree = ProjectTransitions.SlotFree(State, _promised.Count, MaxPendingGrants, now);
        if (!slotFree)
        {
            _toldBusyAt = now;
        }

        return Task.FromResult(new Admission(limits, slotFree));
    }

    public Task<bool> MayAcquireSlot(string taskId)
    {
        // Counted against the slots with grants in flight and the tasks told yes that have not asked yet, so a burst
        // of waking tasks sends about EngineConcurrency of them to AcquireSlot, not all of them.
        var now = time.GetUtcNow();
        var live = State.Slots.Expire(now);
        if (live.Holds(taskId) || _promised.ContainsKey(taskId))
        {
            return Task.FromResult(true);
        }

        foreach (var (id, at) in _promised.ToList())
        {
            if (now - at > PromiseLifetime || live.Holds(id))
            {
                _promised.Remove(id);
            }
        }

        if (live.Count + _promised.Count >= State.Limits.EngineConcurrency || _promised.Count >= MaxPendingGrants)
        {
            return Task.FromResult(false);
        }

        _promised[taskId] = now;
        return Task.FromResult(true);
    }

    public async Task<bool> AcquireSlot(string taskId)
    {
        _promised.Remove(taskId);
        var (slots, granted) = State.Slots.Acquire(taskId, State.Limits.EngineConcurrency, time.GetUtcNow(), work.Value.SlotLease);
        if (granted || slots.Count != State.Slots.Count)
        {
            await WriteStateAsync(State with { Slots = slots });
        }

        if (_promised.Count == 0)
        {
            await WakeWaitingTasksAsync(); // The batch told yes is granted: the next oldest may ask.
        }

        return granted;
    }

    public async Task ReleaseSlot(string taskId)
    {
        if (State.Slots.Holds(taskId))
        {
            await WriteStateAsync(State with { Slots = State.Slots.Release(taskId) });
        }

        await WakeWaitingTasksAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != HousekeepingReminder)
        {
            return;
        }

        if (!State.Exists)
        {
            await this.UnregisterReminder(await this.GetReminder(reminderName) ?? throw new InvalidOperationException("No reminder."));
            return;
        }

        await PurgeExpiredTasksAsync();
        await WakeWaitingTasksAsync();
    }

    /// <summary>Checks for expired tasks a few dozen times per retention period: between 1 s and 1 min apart.</summary>
    public static TimeSpan HousekeepingPeriod(ProjectLimits limits) =>
        TimeSpan.FromTicks(Math.Clamp(limits.TaskRetention.Ticks / 24, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));

    /// <summary>Wakes the oldest waiting tasks, as many as there are free slots (each then asks for its slot).</summary>
    private async Task WakeWaitingTasksAsync()
    {
        if (!State.Exists)
        {
            return;
        }

        var free = Math.Min(State.Limits.EngineConcurrency - State.Slots.Expire(time.GetUtcNow()).Count, MaxPendingGrants - _promised.Count);
        if (free <= 0)
        {
            return;
        }

        var waiting = await tasks.WaitingAsync(State.Name, free);
        foreach (var taskId in waiting)
        {
            GrainFactory.GetGrain<IFileUncompressionTaskGrain>(taskId).Wake().Ignore();
        }

        if (waiting.Count < free && time.GetUtcNow() - _toldBusyAt < BusyRecheckWindow)
        {
            // A task told "no slot" may be writing its queue entry right now: look again shortly.
            _recheck ??= this.RegisterGrainTimer(RecheckAsync, new GrainTimerCreationOptions(RecheckDelay, Timeout.InfiniteTimeSpan));
        }
    }

    private Task RecheckAsync(CancellationToken cancellationToken)
    {
        _recheck?.Dispose();
        _recheck = null;
        return WakeWaitingTasksAsync();
    }

    private async Task PurgeExpiredTasksAsync()
    {
        var purged = 0;
        foreach (var taskId in await tasks.ExpiredAsync(State.Name, time.GetUtcNow(), limit: 500))
        {
            await GrainFactory.GetGrain<IFileUncompressionTaskGrain>(taskId).Purge();
            purged++;
        }

        if (purged > 0)
        {
            LogPurged(logger, State.Name, purged);
        }
    }

    private async Task RegisterHousekeepingAsync()
    {
        var period = HousekeepingPeriod(State.Limits);
        await this.RegisterOrUpdateReminder(HousekeepingReminder, period, period);
    }

    private async Task CommitAsync(ProjectState next, ProjectEvent ev)
    {
        await WriteAsync(next);
        var live = new LiveEvent(ev.GetType().Name, ev.ProjectName, State.Revision, ev.Time.ToUnixTimeMilliseconds(),
            JsonSerializer.Serialize(ev, ev.GetType(), MediaJson.Options));
        await this.GetStreamProvider(MediaProviders.Streams).GetStream<LiveEvent>(TaskStreams.Project(ev.ProjectName)).OnNextAsync(live);
    }

    /// <summary>
    /// Writes the state, then its index copy. A write refused with InconsistentStateException (another activation
    /// wrote since this one read) deactivates this stale activation; the caller sees the failure.
    /// </summary>
    private async Task WriteAsync(ProjectState next)
    {
        await WriteStateAsync(next);
        await WriteIndexAsync();
    }

    /// <summary>The state alone: for changes listings do not show (the engine slots), so the index copy keeps its
    /// older revision until the next listed change.</summary>
    private async Task WriteStateAsync(ProjectState next)
    {
        state.State = next with { Revision = State.Revision + 1 };
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            DeactivateOnIdle();
            throw;
        }

        _stored = State;
    }

    private Task WriteIndexAsync() =>
        State.Exists
            ? index.WriteAsync(GrainTypeName, this.GetPrimaryKeyString(), null, State.Revision, State)
            : index.RemoveAsync(GrainTypeName, this.GetPrimaryKeyString());

    [LoggerMessage(Level = LogLevel.Information, Message = "Project {Project}: purged {Count} expired task records")]
    private static partial void LogPurged(ILogger logger, string project, int count);
}
