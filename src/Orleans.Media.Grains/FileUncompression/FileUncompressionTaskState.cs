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

    /// <summary>How long the record stays readable after the task ends (the project's retention at admission).</summary>
    public long RetentionMs { get; init; }

    /// <summary>
    /// Unix milliseconds after which the record is gone (GetTask and ListTasks stop showing it; the project's
    /// retention job deletes it). <see cref="NeverExpires"/> while the task runs.
    /// </summary>
    public long ExpiresAtMs { get; init; } = NeverExpires;

    /// <summary>9999-12-31: a sortable "not yet".</summary>
    public const long NeverExpires = 253_402_300_799_000;

    public bool IsExpired(DateTimeOffset now) => ExpiresAtMs <= now.ToUnixTimeMilliseconds();

    public FileUncompressionRequest? Request { get; init; }

    public Guid? JobId { get; init; }

    public FileUncompressionResult? Result { get; init; }
}
