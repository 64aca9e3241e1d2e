using System.Text.Json;

namespace Orleans.Media.Runtime.Stores;

/// <summary>A grain row. <see cref="StateJson"/> is null when the caller's cached version is current.</summary>
internal sealed record GrainRecord(long Version, string? Partition, string? StateJson);

/// <summary>A state write: insert when <see cref="ExpectedVersion"/> is 0, else update WHERE version = expected.</summary>
internal sealed record GrainWrite(GrainId GrainId, long ExpectedVersion, string? Partition, string StateJson);

internal sealed record JobInsert(Guid Id, GrainId GrainId, string Kind, string Partition, string? PayloadJson, int MaxAttempts, TimeSpan Delay);

/// <summary>Register/update (Period set) or delete (Period null) a reminder.</summary>
internal sealed record ReminderChange(GrainId GrainId, string Name, TimeSpan DueTime, TimeSpan? Period);

/// <summary>Sets (MaxRunning set) or removes (null: back to the silo default) a partition's cluster-wide running-job cap.</summary>
internal sealed record PartitionLimitChange(string Partition, int? MaxRunning);

internal sealed record EventAppend(StreamId Stream, string Type, string PayloadJson, GrainId Source);

/// <summary>A job this silo now leases. <see cref="PendingOutcome"/>: the handler already finished; only the
/// outcome turn is left to run.</summary>
internal sealed record ClaimedJob(
    Guid Id, GrainId GrainId, string Kind, string Partition, string? PayloadJson, int Attempt, int MaxAttempts, string? Checkpoint,
    JobOutcomeRecord? PendingOutcome)
{
    public JsonElement? Payload => PayloadJson is null ? null : JsonDocument.Parse(PayloadJson).RootElement.Clone();
}

/// <summary>The outcome stored on the job row (status done when succeeded, dead when failed).</summary>
internal sealed record JobOutcomeRecord(JobOutcomeStatus Status, string? ResultJson, string? Error, int Attempts);

internal sealed record ClaimedReminder(GrainId GrainId, string Name, TimeSpan Period, DateTimeOffset FirstDueAt, DateTimeOffset DueAt, int Failures);

/// <summary>What a turn must do besides locking its grain: finish a job or advance a reminder, in the same
/// transaction; if it matches no row (lease lost), the turn is skipped.</summary>
internal abstract record TurnGuard(string Owner);

/// <summary>Marks jobs done/dead (those this owner still leases and that are still running); the turn runs if at
/// least one matched, and delivers only the outcomes in <see cref="Completed"/> (refilled on every attempt).</summary>
internal sealed record CompleteJobsGuard(string Owner, IReadOnlyList<(Guid JobId, JobOutcomeRecord Outcome)> Jobs) : TurnGuard(Owner)
{
    public HashSet<Guid> Completed { get; } = [];
}

internal sealed record AdvanceReminderGuard(string Owner, ClaimedReminder Reminder) : TurnGuard(Owner);

/// <summary>A job row as stored (diagnostics and tests).</summary>
internal sealed record JobRecord(
    Guid Id, GrainId GrainId, string Kind, string Partition, JobStatus Status, int Attempt, int MaxAttempts, string? LeaseOwner,
    string? Checkpoint, string? ResultJson, string? Error);
