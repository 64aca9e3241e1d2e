using Orleans.Media.Grains.Projects;
using Orleans.Media.Grains.Tasks;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>Where a task's work stands (the vendor's Status is Running for both Queued and Running).</summary>
public enum TaskPhase
{
    /// <summary>Waiting for one of its project's engine slots.</summary>
    Queued,

    /// <summary>Holds a slot; its extraction runs (or resumes from <see cref="FileUncompressionTaskState.Checkpoint"/>).</summary>
    Running,

    /// <summary>Succeeded or Failed; the notifications in <see cref="FileUncompressionTaskState.Outbox"/> may still be on their way.</summary>
    Ended,
}

/// <summary>
/// The persisted state of one file-decompression task grain. Its listing copy in the index is the same record
/// without the secret and the checkpoint (<see cref="ForIndex"/>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FileUncompressionTaskState
{
    public const string TaskType = "FileUncompression";

    /// <summary>9999-12-31: a sortable "not yet".</summary>
    public const long NeverExpires = 253_402_300_799_000;

    [Id(0)] public bool Exists { get; init; }

    [Id(1)] public string TaskId { get; init; } = "";

    [Id(2)] public string ProjectName { get; init; } = "";

    /// <summary>Kept on the state so listings can filter by type across task kinds.</summary>
    [Id(3)] public string Type { get; init; } = TaskType;

    [Id(4)] public string EventId { get; init; } = "";

    [Id(5)] public string Status { get; init; } = Tasks.TaskStatus.Running;

    [Id(6)] public string? Code { get; init; }

    [Id(7)] public string? Message { get; init; }

    [Id(8)] public int Progress { get; init; }

    [Id(9)] public DateTimeOffset StartTime { get; init; }

    [Id(10)] public DateTimeOffset? EndTime { get; init; }

    /// <summary>Unix milliseconds of <see cref="StartTime"/> / <see cref="EndTime"/>: sortable in the index's queries.</summary>
    [Id(11)] public long StartTimeMs { get; init; }

    [Id(12)] public long? EndTimeMs { get; init; }

    /// <summary>How long the record stays readable after the task ends (the project's retention at admission).</summary>
    [Id(13)] public long RetentionMs { get; init; }

    /// <summary>Unix milliseconds after which the record is gone (GetTask and ListTasks stop showing it; the project's
    /// housekeeping deletes it). <see cref="NeverExpires"/> until the task ends.</summary>
    [Id(14)] public long ExpiresAtMs { get; init; } = NeverExpires;

    /// <summary>The creating request, without its password (that is <see cref="EncryptedPassword"/>).</summary>
    [Id(15)] public FileUncompressionRequest? Request { get; init; }

    [Id(16)] public FileUncompressionResult? Result { get; init; }

    [Id(17)] public TaskPhase Phase { get; init; }

    /// <summary>The project's limits at admission: the extraction runs under them.</summary>
    [Id(18)] public ProjectLimits Limits { get; init; } = ProjectLimits.Default;

    /// <summary>Whether the request carried a Password (RequestDefinition masks it).</summary>
    [Id(19)] public bool PasswordGiven { get; init; }

    /// <summary>The Password encrypted with the cluster's master key, kept until the detail file is written.</summary>
    [Id(20)] public byte[]? EncryptedPassword { get; init; }

    /// <summary>The engine's last checkpoint (JSON): a resumed extraction skips what it lists as done.</summary>
    [Id(21)] public string? Checkpoint { get; init; }

    /// <summary>Extraction attempts started (a silo that died mid-way used one).</summary>
    [Id(22)] public int Attempts { get; init; }

    /// <summary>Unix milliseconds before which a failed attempt is not retried.</summary>
    [Id(23)] public long? RetryAtMs { get; init; }

    [Id(24)] public string? LastError { get; init; }

    /// <summary>Topics the task's end still has to be handed to (the notification grains deliver from there).</summary>
    [Id(25)] public IReadOnlyList<string> Outbox { get; init; } = [];

    /// <summary>Events raised so far: the last event's sequence number on the task's stream.</summary>
    [Id(26)] public long EventSequence { get; init; }

    /// <summary>Increases with every write: orders the listing index's copies.</summary>
    [Id(27)] public long Revision { get; init; }

    /// <summary>When the last event (<see cref="EventSequence"/>) was raised: a reconnecting stream client gets it again from the state.</summary>
    [Id(28)] public DateTimeOffset LastEventTime { get; init; }

    /// <summary>The silo running (or that last ran) the extraction: operators, and tests, see where work is.</summary>
    [Id(29)] public string? Worker { get; init; }

    /// <summary>Whether a checkpoint is saved (the index copy leaves the checkpoint itself out).</summary>
    [Id(30)] public bool CheckpointSaved { get; init; }

    public bool IsExpired(DateTimeOffset now) => ExpiresAtMs <= now.ToUnixTimeMilliseconds();

    /// <summary>The copy the listing index keeps: no secret, no checkpoint.</summary>
    public FileUncompressionTaskState ForIndex() => this with { EncryptedPassword = null, Checkpoint = null };
}
