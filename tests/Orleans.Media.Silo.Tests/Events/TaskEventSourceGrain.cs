using System.Text.Json;
using Orleans.Media.Grains;
using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Grains.Indexing;
using Orleans.Media.Grains.Projects;
using Orleans.Media.Grains.Tasks;
using Orleans.Media.Persistence;
using Orleans.Runtime;

namespace Orleans.Media.Silo.Tests.Events;

/// <summary>
/// Stands in for the file-decompression task grain in the events tests (the real one is left out of that test
/// silo, <see cref="EventsTestHost"/>): it answers <see cref="IFileUncompressionTaskGrain.Get"/>, which the SSE
/// endpoint reads to catch a client up, with state made by the product's <see cref="FileUncompressionTransitions"/>,
/// writes its index copy and publishes each event exactly as the task grain does, but only when the test says so
/// (no extraction runs).
/// </summary>
public sealed class TaskEventSourceGrain(
    [PersistentState("task-events", MediaProviders.Storage)] IPersistentState<FileUncompressionTaskState> state,
    StateIndex index)
    : Grain, ITaskEventSourceGrain, IFileUncompressionTaskGrain
{
    private string TaskId => this.GetPrimaryKeyString();

    public async Task Created(string project)
    {
        var request = new FileUncompressionRequest { ProjectName = project, SourceURI = "oss://b/a.zip", TargetURI = "oss://b/a/" };
        var (created, ev) = FileUncompressionTransitions.Create(state.State, TaskId, "event", request, null, ProjectLimits.Default, DateTimeOffset.UtcNow);
        await WriteAndPublishAsync(FileUncompressionTransitions.Start(created, "test-silo", DateTimeOffset.UtcNow), ev);
    }

    public async Task Progressed(string project, int progress)
    {
        var (next, ev) = FileUncompressionTransitions.Checkpoint(state.State, null, progress, DateTimeOffset.UtcNow);
        await WriteAndPublishAsync(next, ev ?? throw new InvalidOperationException($"Progress {progress} did not move the task."));
    }

    public async Task Ended(string project, string status)
    {
        var (next, ev) = FileUncompressionTransitions.End(state.State,
            new FileUncompressionResult { Succeeded = status == Grains.Tasks.TaskStatus.Succeeded, Code = status == "Failed" ? "InvalidArchive" : null }, DateTimeOffset.UtcNow);
        await WriteAndPublishAsync(next, ev);
    }

    public Task<FileUncompressionTaskState> Get() => Task.FromResult(state.State);

    public Task<FileUncompressionTaskState> Create(FileUncompressionRequest request, string eventId, Admission admission) =>
        throw new NotSupportedException("A stand-in: its tests drive it through ITaskEventSourceGrain.");

    public Task Wake() => Task.CompletedTask;

    public Task Purge() => Task.CompletedTask;

    private async Task WriteAndPublishAsync(FileUncompressionTaskState next, TaskEvent ev)
    {
        state.State = next with { Revision = state.State.Revision + 1 };
        await state.WriteStateAsync();
        // The task index, as the task grain keeps it: a project stream's reconnecting client finds missed ends there.
        await index.WriteAsync(FileUncompressionTaskGrain.GrainTypeName, TaskId, next.ProjectName, state.State.Revision, state.State.ForIndex());
        var live = new LiveEvent(ev.GetType().Name, TaskId, next.EventSequence, ev.Time.ToUnixTimeMilliseconds(),
            JsonSerializer.Serialize(ev, ev.GetType(), MediaJson.Options));
        await this.GetStreamProvider(MediaProviders.Streams).GetStream<LiveEvent>(TaskStreams.Project(next.ProjectName)).OnNextAsync(live);
    }
}
