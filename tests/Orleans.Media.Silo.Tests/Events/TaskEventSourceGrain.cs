using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Runtime;
using Orleans.Media.Grains.Tasks;

namespace Orleans.Media.Silo.Tests.Events;

public sealed record TaskEventSourceState
{
    public int Published { get; init; }
}

[GrainType("test-task-events")]
public sealed class TaskEventSourceGrain : Grain<TaskEventSourceState>, ITaskEventSourceGrain
{
    private const string TaskType = "FileUncompression";

    public Task Created(string project) =>
        Publish(project, nameof(TaskCreated), new TaskCreated(project, GrainId.Key, TaskType, DateTimeOffset.UtcNow));

    public Task Progressed(string project, int progress) =>
        Publish(project, nameof(TaskProgressed), new TaskProgressed(project, GrainId.Key, TaskType, DateTimeOffset.UtcNow, progress));

    public Task Ended(string project, string status) =>
        Publish(project, nameof(TaskEnded), new TaskEnded(project, GrainId.Key, TaskType, DateTimeOffset.UtcNow, status, null, null));

    private Task Publish(string project, string type, object payload)
    {
        PublishEvent(TaskStreams.Task(GrainId.Key), type, payload);
        PublishEvent(TaskStreams.Project(project), type, payload);
        State = State with { Published = State.Published + 1 };
        return Task.CompletedTask;
    }
}
