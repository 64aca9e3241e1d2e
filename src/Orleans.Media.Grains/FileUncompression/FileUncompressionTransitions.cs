using Orleans.Media.Grains.Projects;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>
/// The task state machine: Queued → Running (→ Running again after a failed attempt or a resume) → Ended
/// (Succeeded | Failed). Each transition checks its precondition and returns the new state with the event it
/// raises (numbered in <see cref="FileUncompressionTaskState.EventSequence"/>); nothing else changes a task's state.
/// </summary>
public static class FileUncompressionTransitions
{
    /// <summary>Extraction attempts before the task fails (a crashed silo's attempt counts as one).</summary>
    public const int MaxAttempts = 5;

    public static (FileUncompressionTaskState State, TaskEvent Event) Create(
        FileUncompressionTaskState state, string taskId, string eventId, FileUncompressionRequest request,
        byte[]? encryptedPassword, ProjectLimits limits, DateTimeOffset now)
    {
        if (state.Exists)
        {
            throw ServiceException.Conflict($"The task '{taskId}' already exists.");
        }

        var created = new FileUncompressionTaskState
        {
            Exists = true,
            TaskId = taskId,
            ProjectName = request.ProjectName,
            EventId = eventId,
            Status = Tasks.TaskStatus.Running,
            Phase = TaskPhase.Queued,
            StartTime = now,
            StartTimeMs = now.ToUnixTimeMilliseconds(),
            Request = request with { Password = null },
            PasswordGiven = encryptedPassword is not null,
            EncryptedPassword = encryptedPassword,
            Limits = limits,
            RetentionMs = (long)limits.TaskRetention.TotalMilliseconds,
            EventSequence = 1,
            LastEventTime = now,
        };
        return (created, new TaskCreated(request.ProjectName, taskId, FileUncompressionTaskState.TaskType, now));
    }

    /// <summary>Whether an attempt may start now: the task has not ended and no retry delay is pending.</summary>
    public static bool CanStart(FileUncompressionTaskState state, DateTimeOffset now) =>
        state.Exists && state.Phase != TaskPhase.Ended && (state.RetryAtMs is not { } at || at <= now.ToUnixTimeMilliseconds());

    /// <summary>An attempt starts (with the project's slot granted): counted before any work is done.</summary>
    public static FileUncompressionTaskState Start(FileUncompressionTaskState state, string worker, DateTimeOffset now)
    {
        if (!CanStart(state, now))
        {
            throw new InvalidOperationException($"Task {state.TaskId} cannot start: it is {state.Phase}, retry at {state.RetryAtMs}.");
        }

        return state with { Phase = TaskPhase.Running, Attempts = state.Attempts + 1, RetryAtMs = null, Worker = worker };
    }

    /// <summary>Back to the queue: the slot was lost (its lease ran out while the task was away) and is taken.</summary>
    public static FileUncompressionTaskState Requeue(FileUncompressionTaskState state) =>
        state.Phase == TaskPhase.Running ? state with { Phase = TaskPhase.Queued } : state;

    /// <summary>
    /// Saves the engine's checkpoint and progress. Progress only moves forward, stays below 100 until the task
    /// ends; an event is raised only when it moved.
    /// </summary>
    public static (FileUncompressionTaskState State, TaskEvent? Event) Checkpoint(
        FileUncompressionTaskState state, string? checkpoint, int progress, DateTimeOffset now)
    {
        if (!state.Exists || state.Phase != TaskPhase.Running)
        {
            throw new InvalidOperationException($"Task {state.TaskId} is not running.");
        }

        var clamped = Math.Clamp(progress, 0, 99);
        var next = state with { Checkpoint = checkpoint ?? state.Checkpoint, CheckpointSaved = checkpoint is not null || state.CheckpointSaved };
        if (clamped <= state.Progress)
        {
            return (next, null);
        }

        return (next with { Progress = clamped, EventSequence = state.EventSequence + 1, LastEventTime = now },
            new TaskProgressed(state.ProjectName, state.TaskId, state.Type, now, clamped));
    }

    /// <summary>
    /// An attempt failed on something transient (storage unreachable): retried after <paramref name="delay"/> from its
    /// checkpoint, unless it was the last attempt — then the task fails.
    /// </summary>
    public static (FileUncompressionTaskState State, TaskEnded? Event) AttemptFailed(
        FileUncompressionTaskState state, string error, TimeSpan delay, DateTimeOffset now)
    {
        if (!state.Exists || state.Phase != TaskPhase.Running)
        {
            throw new InvalidOperationException($"Task {state.TaskId} is not running.");
        }

        if (state.Attempts >= MaxAttempts)
        {
            return End(state, new FileUncompressionResult
            {
                Succeeded = false,
                Code = "InternalError",
                Message = $"The extraction failed {state.Attempts} time(s); last error: {error}",
            }, now);
        }

        return (state with { LastError = error, RetryAtMs = (now + delay).ToUnixTimeMilliseconds() }, null);
    }

    /// <summary>The task ends with the extraction's result; its notifications go to the outbox, its secret is dropped.</summary>
    public static (FileUncompressionTaskState State, TaskEnded Event) End(FileUncompressionTaskState state, FileUncompressionResult result, DateTimeOffset now)
    {
        if (!state.Exists || state.Phase == TaskPhase.Ended)
        {
            throw ServiceException.Conflict($"The task '{state.TaskId}' is not running.");
        }

        var status = result.Succeeded ? Tasks.TaskStatus.Succeeded : Tasks.TaskStatus.Failed;
        var ended = state with
        {
            Phase = TaskPhase.Ended,
            Status = status,
            Code = result.Succeeded ? "" : result.Code ?? "InternalError",
            // A succeeded task keeps its message: it names the entries that were refused (unsafe names, links).
            Message = result.Message ?? "",
            Progress = result.Succeeded ? 100 : state.Progress,
            EndTime = now,
            EndTimeMs = now.ToUnixTimeMilliseconds(),
            ExpiresAtMs = now.ToUnixTimeMilliseconds() + state.RetentionMs,
            Result = result,
            EncryptedPassword = null,
            Checkpoint = null,
            RetryAtMs = null,
            Outbox = state.Request?.Notification?.Topics().Distinct().ToList() ?? [],
            EventSequence = state.EventSequence + 1,
            LastEventTime = now,
        };
        return (ended, new TaskEnded(state.ProjectName, state.TaskId, state.Type, now, status, ended.Code, ended.Message));
    }

    /// <summary>
    /// The events a stream client that has seen up to <paramref name="lastSeen"/> needs to catch up from the state:
    /// TaskCreated, then the latest progress or the end (never a repeat of what it has).
    /// </summary>
    public static IReadOnlyList<(long Sequence, TaskEvent Event)> CatchUp(FileUncompressionTaskState state, long lastSeen)
    {
        var events = new List<(long, TaskEvent)>();
        if (!state.Exists)
        {
            return events;
        }

        if (lastSeen < 1)
        {
            events.Add((1, new TaskCreated(state.ProjectName, state.TaskId, state.Type, state.StartTime)));
        }

        if (state.EventSequence > 1 && lastSeen < state.EventSequence)
        {
            events.Add((state.EventSequence, state.Phase == TaskPhase.Ended
                ? new TaskEnded(state.ProjectName, state.TaskId, state.Type, state.LastEventTime, state.Status, state.Code, state.Message)
                : new TaskProgressed(state.ProjectName, state.TaskId, state.Type, state.LastEventTime, state.Progress)));
        }

        return events;
    }

    /// <summary>The topics in the outbox have the message (their notification grains deliver it from here).</summary>
    public static FileUncompressionTaskState OutboxSent(FileUncompressionTaskState state) => state with { Outbox = [] };

    /// <summary>Whether the record may be purged: ended, its retention passed, nothing left in its outbox.</summary>
    public static bool CanPurge(FileUncompressionTaskState state, DateTimeOffset now) =>
        state.Exists && state.Phase == TaskPhase.Ended && state.Outbox.Count == 0 && state.IsExpired(now);
}
