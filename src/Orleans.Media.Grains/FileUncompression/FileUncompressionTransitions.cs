using Orleans.Media.Grains.Tasks;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>
/// The task state machine: Running → Succeeded | Failed. Each transition checks its precondition and returns
/// the new state with the event it raises; nothing else changes a task's state.
/// </summary>
public static class FileUncompressionTransitions
{
    public static (FileUncompressionTaskState State, TaskEvent Event) Create(
        FileUncompressionTaskState state, string taskId, string eventId, FileUncompressionRequest request, Guid jobId, TimeSpan retention, DateTimeOffset now)
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
            StartTime = now,
            StartTimeMs = now.ToUnixTimeMilliseconds(),
            Request = request,
            JobId = jobId,
            RetentionMs = (long)retention.TotalMilliseconds,
        };
        return (created, new TaskCreated(request.ProjectName, taskId, FileUncompressionTaskState.TaskType, now));
    }

    /// <summary>Progress only moves forward, stays below 100 until the task ends, and is ignored once it has.</summary>
    public static (FileUncompressionTaskState State, TaskEvent? Event) ReportProgress(FileUncompressionTaskState state, int progress, DateTimeOffset now)
    {
        var clamped = Math.Clamp(progress, 0, 99);
        if (!state.Exists || state.Status != Tasks.TaskStatus.Running || clamped <= state.Progress)
        {
            return (state, null);
        }

        return (state with { Progress = clamped },
            new TaskProgressed(state.ProjectName, state.TaskId, state.Type, now, clamped));
    }

    public static (FileUncompressionTaskState State, TaskEnded Event) End(FileUncompressionTaskState state, FileUncompressionResult result, DateTimeOffset now)
    {
        if (!state.Exists || state.Status != Tasks.TaskStatus.Running)
        {
            throw ServiceException.Conflict($"The task '{state.TaskId}' is not running.");
        }

        var status = result.Succeeded ? Tasks.TaskStatus.Succeeded : Tasks.TaskStatus.Failed;
        var ended = state with
        {
            Status = status,
            Code = result.Succeeded ? "" : result.Code ?? "InternalError",
            // A succeeded task keeps its message: it names the entries that were refused (unsafe names, links).
            Message = result.Message ?? "",
            Progress = result.Succeeded ? 100 : state.Progress,
            EndTime = now,
            EndTimeMs = now.ToUnixTimeMilliseconds(),
            ExpiresAtMs = now.ToUnixTimeMilliseconds() + state.RetentionMs,
            Result = result,
        };
        return (ended, new TaskEnded(state.ProjectName, state.TaskId, state.Type, now, status, ended.Code, ended.Message));
    }
}
