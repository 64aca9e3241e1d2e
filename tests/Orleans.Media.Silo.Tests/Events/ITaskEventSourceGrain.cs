using Orleans.Media.Runtime;

namespace Orleans.Media.Silo.Tests.Events;

/// <summary>Publishes task events the way the real task grain does: on <see cref="Orleans.Media.Grains.Tasks.TaskStreams"/>'s task and project streams.</summary>
public interface ITaskEventSourceGrain : IGrainWithStringKey
{
    Task Created(string project);

    Task Progressed(string project, int progress);

    Task Ended(string project, string status);
}
