namespace Orleans.Media.Silo.Tests.Events;

/// <summary>
/// Drives a task's events as the real task grain raises them (<see cref="TaskEventSourceGrain"/>): the state moves
/// through the product's transitions, each event is numbered by the state's EventSequence and published on the
/// task's and the project's streams (<see cref="Orleans.Media.Grains.Tasks.TaskStreams"/>).
/// </summary>
public interface ITaskEventSourceGrain : IGrainWithStringKey
{
    Task Created(string project);

    Task Progressed(string project, int progress);

    Task Ended(string project, string status);
}
