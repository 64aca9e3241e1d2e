using System.Text.Json;
using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime.Core;

/// <summary>What a turn buffers besides state; written in the turn's commit or discarded with it.</summary>
internal sealed class TurnEffects
{
    // Most turns buffer nothing: the lists are created on first use.
    private List<JobInsert>? _jobs;
    private List<Guid>? _jobCancels;
    private List<ReminderChange>? _reminders;
    private List<EventAppend>? _events;
    private List<PartitionLimitChange>? _partitionLimits;

    public IReadOnlyList<JobInsert> Jobs => (IReadOnlyList<JobInsert>?)_jobs ?? [];

    public IReadOnlyList<Guid> JobCancels => (IReadOnlyList<Guid>?)_jobCancels ?? [];

    public IReadOnlyList<ReminderChange> Reminders => (IReadOnlyList<ReminderChange>?)_reminders ?? [];

    public IReadOnlyList<EventAppend> Events => (IReadOnlyList<EventAppend>?)_events ?? [];

    /// <summary>Per-partition job limits set in this turn, in call order (the store applies them in order: the last wins).</summary>
    public IReadOnlyList<PartitionLimitChange> PartitionLimits => (IReadOnlyList<PartitionLimitChange>?)_partitionLimits ?? [];

    public bool HasJobs => _jobs is { Count: > 0 };

    public bool HasEvents => _events is { Count: > 0 };

    /// <summary>New jobs, or a partition limit change (a raised limit lets more jobs start): claimers should look now.</summary>
    public bool WakesWorkers => HasJobs || _partitionLimits is { Count: > 0 };

    public bool IsEmpty => _jobs is not { Count: > 0 } && _jobCancels is not { Count: > 0 } && _reminders is not { Count: > 0 } && !HasEvents
        && _partitionLimits is not { Count: > 0 };

    public Guid ScheduleJob(GrainId grainId, string? grainPartition, JobRequest request)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.Kind);
        if (request.MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(request), "MaxAttempts must be at least 1.");
        }

        var id = request.JobId ?? Guid.CreateVersion7();
        var payload = request.Payload is null ? null : JsonSerializer.Serialize(request.Payload, request.Payload.GetType(), RuntimeJson.Options);
        (_jobs ??= []).Add(new JobInsert(id, grainId, request.Kind, request.Partition ?? grainPartition ?? "", payload, request.MaxAttempts,
            request.Delay < TimeSpan.Zero ? TimeSpan.Zero : request.Delay));
        return id;
    }

    public void CancelJob(Guid jobId) => (_jobCancels ??= []).Add(jobId);

    public void RegisterReminder(GrainId grainId, string name, TimeSpan dueTime, TimeSpan period) =>
        (_reminders ??= []).Add(new ReminderChange(grainId, name, dueTime, period));

    public void UnregisterReminder(GrainId grainId, string name) => (_reminders ??= []).Add(new ReminderChange(grainId, name, TimeSpan.Zero, null));

    public void PublishEvent(GrainId source, StreamId stream, string type, object payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream.Namespace);
        ArgumentNullException.ThrowIfNull(stream.Key);
        var json = JsonSerializer.Serialize(payload, payload?.GetType() ?? typeof(object), RuntimeJson.Options);
        (_events ??= []).Add(new EventAppend(stream, type, json, source));
    }

    public void SetPartitionLimit(string partition, int? maxRunning) => (_partitionLimits ??= []).Add(new PartitionLimitChange(partition, maxRunning));

    public (int, int, int, int, int) Mark() =>
        (_jobs?.Count ?? 0, _jobCancels?.Count ?? 0, _reminders?.Count ?? 0, _events?.Count ?? 0, _partitionLimits?.Count ?? 0);

    /// <summary>Drops what a failed nested call buffered (nested calls in a turn are awaited one after the other).</summary>
    public void RollbackTo((int Jobs, int Cancels, int Reminders, int Events, int PartitionLimits) mark)
    {
        _jobs?.RemoveRange(mark.Jobs, _jobs.Count - mark.Jobs);
        _jobCancels?.RemoveRange(mark.Cancels, _jobCancels.Count - mark.Cancels);
        _reminders?.RemoveRange(mark.Reminders, _reminders.Count - mark.Reminders);
        _events?.RemoveRange(mark.Events, _events.Count - mark.Events);
        _partitionLimits?.RemoveRange(mark.PartitionLimits, _partitionLimits.Count - mark.PartitionLimits);
    }
}
