using Orleans.Media.Runtime;

namespace Orleans.Media.Silo.Tests.Events;

/// <summary>Publishes task events the way the lead's task grain does: on ("task", id) and ("project", name).</summary>
public interface ITaskEventSourceGrain : IGrainWithStringKey
{
    Task Created(string project);

    Task Progressed(string project, int progress);

    Task Ended(string project, string status);
}
