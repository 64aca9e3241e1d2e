using Orleans.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Grains.Indexing;
using Orleans.Media.Grains.Notifications;
using Orleans.Media.Grains.Projects;
using Orleans.Media.Grains.Tasks;
using Orleans.Media.Grains.Work;
using Orleans.Runtime;
using Orleans.Streams;
using System.Text.Json;
using Orleans.Media.Persistence;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>
/// A file-decompression task. Its activation owns the task's extraction: the call that creates the task returns at
/// once; the task then asks its project for an engine slot, runs the extraction off the grain scheduler (at most
/// <see cref="WorkOptions.MaxConcurrentExtractions"/> per silo), and a grain timer saves its checkpoint and progress
/// into the state and ends the task when the extraction completes. A queued task is a row of the task index (the
/// project's durable queue, ordered by creation): the project grain, on its own reminder and whenever a slot frees,
/// wakes the oldest. From its start until its end (and its notifications are handed over) the task holds its own
/// reminder: after its silo dies, the reminder (or any call) activates it elsewhere and the extraction resumes from
/// the checkpoint. A write refused with <see cref="InconsistentStateException"/> (a stale or duplicate activation)
/// stops this activation's extraction at once.
/// </summary>
[GrainType(GrainTypeName)]
[WorkerPlacementFilter]
public sealed partial class FileUncompressionTaskGrain(
    [PersistentState("task", MediaProviders.Storage)] IPersistentState<FileUncompressionTaskState> state,
    FileUncompressionWork work,
    ExtractionCapacity capacity,
    StateIndex index,
    AccessKeySecretProtector secrets,
    IOptions<WorkOptions> workOptions,
    ILocalSiloDetails silo,
    IOptions<NotificationOptions> notifications,
    TimeProvider time,
    ILogger<FileUncompressionTaskGrain> logger) : Grain, IFileUncompressionTaskGrain, IRemindable
{
    public const string GrainTypeName = "task-fileuncompression";

    /// <summary>The reminder an unfinished task holds.</summary>
    public const string WorkReminder = "work";

    private static readonly TimeSpan SlotRenewal = TimeSpan.FromSeconds(20);

    private ExtractionRun? _run;
    private IGrainTimer? _timer;
    private DateTimeOffset _slotRenewedAt;
    private bool _fenced;

    private FileUncompressionTaskState State => state.State;

    private string TaskId => this.GetPrimaryKeyString();

    private WorkOptions Options => workOptions.Value;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!State.Exists)
        {
            return;
        }

        // Repairs an index copy lost to a crash between the state write and the index write (a repair is written
        // again at the next activation if lost, so it does not wait for the disk flush).
        await index.WriteAheadAsync(GrainTypeName, TaskId, State.ProjectName, State.Revision, State.ForIndex());
        if (HasWorkLeft)
        {
            // Activated after its silo died (by the reminder, or by any call): the work goes on here.
            this.AsReference<IFileUncompressionTaskGrain>().Wake().Ignore();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_run is not { } run)
        {
            return;
        }

        // Graceful stop (silo shutdown, idle collection): checkpoint and release the work for another activation.
        _timer?.Dispose();
        _run = null;
        await run.StopAsync(TimeSpan.FromSeconds(20));
        if (!_fenced && State.Phase == TaskPhase.Running)
        {
            try
            {
                if (run.PendingCheckpoint() is ({ } json, var marker))
                {
                    await WriteAsync(State with { Checkpoint = json, CheckpointSaved = true });
                    run.Saved(marker);
                }
            }
            catch (Exception e)
            {
                LogCheckpointFailed(logger, TaskId, e);
            }

            // A new activation (on a silo that is not stopping) resumes from the checkpoint now, not at the next
            // reminder tick: the message reaches it once this activation is gone.
            LogHandedOver(logger, TaskId, reason.ReasonCode.ToString());
            GrainFactory.GetGrain<IFileUncompressionTaskGrain>(TaskId).Wake().Ignore();
        }
    }

    public async Task<FileUncompressionTaskState> Create(FileUncompressionRequest request, string eventId, Admission admission)
    {
        var password = request.Password is { Length: > 0 } p ? secrets.Protect(PasswordBinding(TaskId), p) : null;
        var (next, ev) = FileUncompressionTransitions.Create(State, TaskId, eventId, request, password, admission.Limits, time.GetUtcNow());
        next = next with { Revision = State.Revision + 1 };

        // The queue entry first, without waiting for its disk flush: the state write after it waits for the flush,
        // which covers the entry too (PostgreSQL flushes its log in order). A silo that dies between the two leaves
        // an entry without a task, which the task removes when the project wakes it — never a task the queue lacks.
        await index.WriteAheadAsync(GrainTypeName, TaskId, next.ProjectName, next.Revision, next.ForIndex());
        await WriteStateAsync(next);
        await PublishAsync(ev);
        if (admission.SlotFree)
        {
            this.AsReference<IFileUncompressionTaskGrain>().Wake().Ignore();
        }

        return State;
    }

    public Task<FileUncompressionTaskState> Get() => Task.FromResult(State);

    public Task Wake() => AdvanceAsync();

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == WorkReminder)
        {
            await AdvanceAsync();
        }
    }

    public async Task Purge()
    {
        if (!FileUncompressionTransitions.CanPurge(State, time.GetUtcNow()))
        {
            return;
        }

        await state.ClearStateAsync();
        await index.RemoveAsync(GrainTypeName, TaskId);
        DeactivateOnIdle();
    }

    private bool HasWorkLeft => State.Exists && (State.Phase != TaskPhase.Ended || State.Outbox.Count > 0);

    /// <summary>Moves the work on from wherever it stands; safe to call any number of times.</summary>
    private async Task AdvanceAsync()
    {
        if (_fenced)
        {
            return;
        }

        if (!State.Exists)
        {
            // Woken from the queue without a task: its creation stopped between the queue entry and the state.
            await index.RemoveAsync(GrainTypeName, TaskId);
            await DropReminderAsync();
            DeactivateOnIdle();
            return;
        }

        if (State.Phase == TaskPhase.Ended)
        {
            // The reminder outlived the end: a release or hand-over that failed then is done now.
            await FinishEndedAsync();
            return;
        }

        if (_run is not null)
        {
            return; // Running here: the timer moves it on.
        }

        var now = time.GetUtcNow();
        if (!FileUncompressionTransitions.CanStart(State, now))
        {
            EnsureTimer(); // A retry is pending: the timer starts it when due.
            return;
        }

        // Asking first whether a slot is free keeps waiting tasks (woken at creation, at a restart) from queueing
        // behind the project's slot writes only to be told no.
        var project = GrainFactory.GetGrain<IProjectGrain>(State.ProjectName);
        if (!await project.MayAcquireSlot(TaskId) || !await project.AcquireSlot(TaskId))
        {
            if (State.Phase == TaskPhase.Running)
            {
                // Back in the queue, which the project's reminder covers: this task's own reminder goes.
                await WriteAsync(FileUncompressionTransitions.Requeue(State));
                await DropReminderAsync();
            }

            return; // Waiting: the project wakes the oldest waiting tasks when a slot frees.
        }

        _slotRenewedAt = now;
        var started = FileUncompressionTransitions.Start(State, silo.Name, now);
        if (started.Attempts > FileUncompressionTransitions.MaxAttempts)
        {
            var (failed, ev) = FileUncompressionTransitions.End(State, new FileUncompressionResult
            {
                Succeeded = false,
                Code = "InternalError",
                Message = $"The extraction was interrupted {State.Attempts} time(s); last error: {State.LastError ?? "its silo stopped"}",
            }, now);
            await EndAsync(failed, ev);
            return;
        }

        // The reminder before the state that says Running: a silo that dies between the two leaves a queued task
        // with a reminder (harmless), never a running task without the reminder that revives it.
        await this.RegisterOrUpdateReminder(WorkReminder, Options.ReminderPeriod, Options.ReminderPeriod);
        await WriteAsync(started);
        StartRun();
    }

    private void StartRun()
    {
        var request = State.Request! with
        {
            Password = State.EncryptedPassword is { } encrypted ? secrets.Unprotect(PasswordBinding(TaskId), encrypted) : null,
        };
        var (limits, checkpoint, attempt) = (State.Limits, State.Checkpoint, State.Attempts);
        _run = ExtractionRun.Start(async (reporter, ct) =>
        {
            using var slot = await capacity.AcquireAsync(ct);
            return await work.RunAsync(TaskId, request, limits, checkpoint, attempt, reporter, ct);
        });
        EnsureTimer();
    }

    private void EnsureTimer() =>
        _timer ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(Options.CheckpointInterval, Options.CheckpointInterval)
        {
            // A long extraction must not let idle collection deactivate its activation.
            KeepAlive = true,
        });

    /// <summary>The timer's turn: saves the checkpoint and progress, retries when due, ends the task when the run completes.</summary>
    private async Task TickAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_run is null)
            {
                if (State.Phase == TaskPhase.Ended || FileUncompressionTransitions.CanStart(State, time.GetUtcNow()))
                {
                    StopTimer();
                    await AdvanceAsync();
                }

                return;
            }

            if (_run.Completion.IsCompleted)
            {
                await CompleteRunAsync(_run);
                return;
            }

            await SaveProgressAsync(_run);
            if (time.GetUtcNow() - _slotRenewedAt >= SlotRenewal)
            {
                _slotRenewedAt = time.GetUtcNow();
                await GrainFactory.GetGrain<IProjectGrain>(State.ProjectName).AcquireSlot(TaskId);
            }
        }
        catch (InconsistentStateException)
        {
            // WriteAsync has stopped the run and deactivates this activation; the current one carries on.
        }
    }

    private async Task SaveProgressAsync(ExtractionRun run)
    {
        var (json, marker) = run.PendingCheckpoint();
        var (next, ev) = FileUncompressionTransitions.Checkpoint(State, json, run.Reporter.Percent, time.GetUtcNow());
        if (json is null && ev is null)
        {
            return;
        }

        await WriteAsync(next);
        run.Saved(marker);
        if (ev is not null)
        {
            await PublishAsync(ev);
        }
    }

    private async Task CompleteRunAsync(ExtractionRun run)
    {
        _run = null;
        StopTimer();
        var now = time.GetUtcNow();
        try
        {
            var result = await run.Completion;
            var (ended, ev) = FileUncompressionTransitions.End(State, result, now);
            await EndAsync(ended, ev);
        }
        catch (Exception e) when (e is not InconsistentStateException && State.Phase != TaskPhase.Ended)
        {
            // Transient (storage unreachable, a lost connection): keep the checkpoint and retry after a backoff.
            var (json, _) = run.PendingCheckpoint();
            var current = json is null ? State : State with { Checkpoint = json, CheckpointSaved = true };
            var (next, ended) = FileUncompressionTransitions.AttemptFailed(current, e.Message, Options.RetryDelay(State.Attempts + 1), now);
            LogAttemptFailed(logger, TaskId, State.Attempts, e.Message);
            if (ended is not null)
            {
                await EndAsync(next, ended);
                return;
            }

            await WriteAsync(next);
            EnsureTimer();
        }
    }

    private async Task EndAsync(FileUncompressionTaskState ended, TaskEnded ev)
    {
        await WriteAsync(ended);
        await PublishAsync(ev);
        await FinishEndedAsync();
    }

    /// <summary>
    /// Gives the project's slot back (idempotent), then hands the end to the outbox's topics and drops the reminder.
    /// A release that fails (a stale project activation, its silo stopping, the store away) keeps the reminder,
    /// whose next tick releases again: the project's queue waits one reminder period, not the slot's whole lease.
    /// </summary>
    private async Task FinishEndedAsync()
    {
        try
        {
            await GrainFactory.GetGrain<IProjectGrain>(State.ProjectName).ReleaseSlot(TaskId);
        }
        catch (Exception e)
        {
            LogReleaseFailed(logger, TaskId, e);
            return;
        }

        await FlushOutboxAsync();
    }

    /// <summary>Hands the end of the task to each topic still in the outbox (idempotent: a notification grain keeps one delivery per topic).</summary>
    private async Task FlushOutboxAsync()
    {
        if (State.Outbox.Count > 0)
        {
            var message = ImmNotifications.TaskEnded(
                State.ProjectName, State.Type, State.TaskId, State.Request?.RequestId ?? "", State.Status, State.Code, State.Message,
                State.StartTime, State.EndTime ?? State.StartTime, State.Request?.UserData, notifications.Value.RegionId, notifications.Value.AccountId);
            foreach (var topic in State.Outbox)
            {
                await GrainFactory.GetGrain<INotificationGrain>(message.Id).Send(message, topic);
            }

            await WriteAsync(FileUncompressionTransitions.OutboxSent(State));
        }

        await DropReminderAsync();
    }

    private async Task DropReminderAsync()
    {
        if (await this.GetReminder(WorkReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private void StopTimer()
    {
        _timer?.Dispose();
        _timer = null;
    }

    /// <summary>
    /// Writes the state, then its index copy. A write refused with InconsistentStateException means another
    /// activation owns the task now (or the record changed behind this one's back): this activation's extraction
    /// stops at once and the activation goes away; the caller sees the failure.
    /// </summary>
    private async Task WriteAsync(FileUncompressionTaskState next)
    {
        await WriteStateAsync(next with { Revision = State.Revision + 1 });
        await WriteIndexAsync();
    }

    private async Task WriteStateAsync(FileUncompressionTaskState next)
    {
        var previous = State;
        state.State = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            state.State = previous;
            Fence();
            throw;
        }
    }

    private void Fence()
    {
        _fenced = true;
        LogFenced(logger, TaskId);
        _run?.Cancel();
        _run = null;
        StopTimer();
        DeactivateOnIdle();
    }

    private Task WriteIndexAsync() =>
        index.WriteAsync(GrainTypeName, TaskId, State.ProjectName, State.Revision, State.ForIndex());

    private async Task PublishAsync(TaskEvent ev)
    {
        var live = new LiveEvent(ev.GetType().Name, TaskId, State.EventSequence, ev.Time.ToUnixTimeMilliseconds(), JsonSerializer.Serialize(ev, ev.GetType(), MediaJson.Options));
        // The project's stream only (a task's SSE readers filter it): a stream per task would cost Orleans a pub-sub
        // registration, stored, for every task.
        await this.GetStreamProvider(MediaProviders.Streams).GetStream<LiveEvent>(TaskStreams.Project(State.ProjectName)).OnNextAsync(live);
    }

    /// <summary>The associated data the password is encrypted under: a ciphertext moved to another task does not open.</summary>
    private static string PasswordBinding(string taskId) => "task-password/" + taskId;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: its state changed behind this activation (InconsistentStateException); its extraction here stops")]
    private static partial void LogFenced(ILogger logger, string taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: attempt {Attempt} failed, retrying from its checkpoint: {Error}")]
    private static partial void LogAttemptFailed(ILogger logger, string taskId, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: could not save its checkpoint while stopping")]
    private static partial void LogCheckpointFailed(ILogger logger, string taskId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: giving its engine slot back failed; its reminder tries again")]
    private static partial void LogReleaseFailed(ILogger logger, string taskId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId}: activation stopping ({Reason}); its extraction resumes in a new activation")]
    private static partial void LogHandedOver(ILogger logger, string taskId, string reason);
}
