using Orleans.Media.Grains.Tasks;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>The persisted state of one file-decompression task grain.</summary>
public sealed record FileUncompressionTaskState
{
    public const string TaskType = "FileUncompression";

    public bool Exists { get; init; }

    public string TaskId { get; init; } = "";

    public string ProjectName { get; init; } = "";

    /// <summary>Kept on the state so listings can filter by type across task kinds.</summary>
    public string Type { get; init; } = TaskType;

    public string EventId { get; init; } = "";

    public string Status { get; init; } = Tasks.TaskStatus.Running;

    public string? Code { get; init; }

    public string? Message { get; init; }

    public int Progress { get; init; }

    public DateTimeOffset StartTime { get; init; }

    public DateTimeOffset? EndTime { get; init; }

    /// <summary>Unix milliseconds of <see cref="StartTime"/> / <see cref="EndTime"/>: sortable in the store's queries.</summary>
    public long StartTimeMs { get; init; }

    public long? EndTimeMs { get; init; }

    public FileUncompressionRequest? Request { get; init; }

    public Guid? JobId { get; init; }

    public FileUncompressionResult? Result { get; init; }
}
