namespace Orleans.Media.Grains.FileUncompression;

/// <summary>What a task transition raised; published on the task's and the project's streams.</summary>
[GenerateSerializer, Immutable]
public abstract record TaskEvent(string ProjectName, string TaskId, string TaskType, DateTimeOffset Time);

[GenerateSerializer, Immutable]
public sealed record TaskCreated(string ProjectName, string TaskId, string TaskType, DateTimeOffset Time)
    : TaskEvent(ProjectName, TaskId, TaskType, Time);

[GenerateSerializer, Immutable]
public sealed record TaskProgressed(string ProjectName, string TaskId, string TaskType, DateTimeOffset Time, int Progress)
    : TaskEvent(ProjectName, TaskId, TaskType, Time);

/// <summary>The end of a task: what notifications announce.</summary>
[GenerateSerializer, Immutable]
public sealed record TaskEnded(string ProjectName, string TaskId, string TaskType, DateTimeOffset Time, string Status, string? Code, string? Message)
    : TaskEvent(ProjectName, TaskId, TaskType, Time);
