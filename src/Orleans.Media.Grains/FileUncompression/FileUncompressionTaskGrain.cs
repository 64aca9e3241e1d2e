using Orleans.Media.Grains.Notifications;
using Orleans.Media.Grains.Projects;
using Orleans.Media.Grains.Tasks;
using Orleans.Media.Runtime;

namespace Orleans.Media.Grains.FileUncompression;

[GrainType(GrainTypeName)]
public sealed class FileUncompressionTaskGrain(TimeProvider time, Microsoft.Extensions.Options.IOptions<NotificationOptions> notifications)
    : Grain<FileUncompressionTaskState>, IFileUncompressionTaskGrain, IJobOutcomeReceiver
{
    public const string GrainTypeName = "task-fileuncompression";

    /// <summary>Extraction attempts before the task fails (a crashed silo's attempt counts as one).</summary>
    public const int MaxAttempts = 5;

    public Task<FileUncompressionTaskState> Create(FileUncompressionRequest request, string eventId, ProjectLimits limits)
    {
        var jobId = Guid.NewGuid();
        var (state, ev) = FileUncompressionTransitions.Create(State, GrainId.Key, eventId, request, jobId, limits.TaskRetention, time.GetUtcNow());
        Partition = request.ProjectName;
        ScheduleJob(new JobRequest(FileUncompressionJob.Kind, new FileUncompressionJob(GrainId.Key, request, limits))
        {
            JobId = jobId,
            Partition = ProjectJobPartitions.Tasks(request.ProjectName),
            MaxAttempts = MaxAttempts,
        });
        Commit(state, ev);
        return Task.FromResult(State);
    }

    public Task<FileUncompressionTaskState> Get() => Task.FromResult(State);

    public Task ReportProgress(int progress)
    {
        var (state, ev) = FileUncompressionTransitions.ReportProgress(State, progress, time.GetUtcNow());
        if (ev is not null)
        {
            Commit(state, ev);
        }

        return Task.CompletedTask;
    }

    public Task OnJobCompletedAsync(JobOutcome outcome)
    {
        if (outcome.Kind != FileUncompressionJob.Kind || outcome.JobId != State.JobId || State.Status != Tasks.TaskStatus.Running)
        {
            return Task.CompletedTask; // Not this task's extraction, or it has already ended.
        }

        var result = outcome.Succeeded
            ? outcome.GetResult<FileUncompressionResult>() ?? new FileUncompressionResult { Succeeded = false, Code = "InternalError", Message = "The extraction reported no result." }
            : new FileUncompressionResult
            {
                Succeeded = false,
                Code = "InternalError",
                Message = $"The extraction failed {outcome.Attempts} time(s); last error: {outcome.Error}",
            };
        var (state, ev) = FileUncompressionTransitions.End(State, result, time.GetUtcNow());
        Commit(state, ev);
        return NotifyAsync(ev);
    }

    /// <summary>Hands the end of the task to each topic of its Notification (delivery itself is a job per topic).</summary>
    private async Task NotifyAsync(TaskEnded ev)
    {
        if (State.Request?.Notification is not { } notification)
        {
            return;
        }

        var message = ImmNotifications.TaskEnded(
            State.ProjectName, State.Type, State.TaskId, State.Request.RequestId ?? "", ev.Status, ev.Code, ev.Message,
            State.StartTime, ev.Time, State.Request.UserData, notifications.Value.RegionId, notifications.Value.AccountId);
        foreach (var topic in notification.Topics().Distinct())
        {
            await GrainFactory.GetGrain<INotificationGrain>(message.Id).Send(message, topic);
        }
    }

    public Task Purge()
    {
        if (State.Exists && State.Status != Tasks.TaskStatus.Running && State.IsExpired(time.GetUtcNow()))
        {
            ClearState();
        }

        return Task.CompletedTask;
    }

    private void Commit(FileUncompressionTaskState state, TaskEvent ev)
    {
        State = state;
        var type = ev.GetType().Name;
        PublishEvent(TaskStreams.Task(state.TaskId), type, ev);
        PublishEvent(TaskStreams.Project(state.ProjectName), type, ev);
    }
}
