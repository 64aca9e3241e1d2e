namespace Orleans.Media.Grains.Projects;

/// <summary>
/// A new task's admission by its project: the limits it runs under, and whether one of the project's engine slots
/// looked free. A task admitted while all were taken does not ask for one itself: it waits in the queue, where the
/// project wakes the oldest tasks as slots free.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Admission([property: Id(0)] ProjectLimits Limits, [property: Id(1)] bool SlotFree);
