using Orleans.Media.Runtime;

namespace Orleans.Media.Grains.Tasks;

/// <summary>
/// The event streams task grains publish to: one per task and one per project. Owned here, beside the grains that
/// write them, so every reader (the SSE endpoints, the dashboard) names the same streams the writers use; a reader
/// with its own spelling would silently see nothing.
/// </summary>
public static class TaskStreams
{
    /// <summary>Namespace of a task's own stream; the key is the TaskId.</summary>
    public const string TaskNamespace = "task";

    /// <summary>Namespace of a project's stream (every task event of the project, and the project's own events); the key is the ProjectName.</summary>
    public const string ProjectNamespace = "project";

    public static StreamId Task(string taskId) => new(TaskNamespace, taskId);

    public static StreamId Project(string projectName) => new(ProjectNamespace, projectName);
}
