using Orleans.Runtime;

namespace Orleans.Media.Grains.Tasks;

/// <summary>
/// The event streams grains publish to (provider <see cref="MediaProviders.Streams"/>): one per project, carrying
/// every event of its tasks (a reader of one task filters on <see cref="LiveEvent.Key"/>) and the project's own.
/// One stream per project, not per task: Orleans registers each new stream's producer in its stored pub-sub, a
/// database write per task otherwise. Owned here, beside the grains that write them, so every reader (the SSE
/// endpoints) names the same streams the writers use; a reader with its own spelling would silently see nothing.
/// </summary>
public static class TaskStreams
{
    /// <summary>Namespace of a project's stream (every task event of the project, and the project's own events); the key is the ProjectName.</summary>
    public const string ProjectNamespace = "project";

    public static StreamId Project(string projectName) => StreamId.Create(ProjectNamespace, projectName);
}

/// <summary>
/// One event as the streams carry it: its type name, the key of the grain that raised it, that grain's event
/// sequence number (increasing per grain: a task stream's SSE event id), when it happened (Unix ms), and the
/// event as JSON (<c>MediaJson</c>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LiveEvent(string Type, string Key, long Sequence, long TimeMs, string Json);
