using System.Text.Json;
using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime.Core;

/// <summary>What a turn buffers besides state; written in the turn's commit or discarded with it.</summary>
internal sealed class TurnEffects
{
    public List<JobInsert> Jobs { get; } = [];

    public List<Guid> JobCancels { get; } = [];

    public List<ReminderChange> Reminders { get; } = [];

    public List<EventAppend> Events { get; } = [];

    public bool IsEmpty => Jobs.Count == 0 && JobCancels.Count == 0 && Reminders.Count == 0 && Events.Count == 0;

    public Guid ScheduleJob(GrainId grainId, string? grainPartition, JobRequest request)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.Kind);
        if (request.MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(request), "MaxAttempts must be at least 1.");
        }

        var id = request.JobId ?? Guid.CreateVersion7();
        var payload = request.Payload is null ? null : JsonSerializer.Serialize(request.Payload, request.Payload.GetType(), RuntimeJson.Options);
        Jobs.Add(new JobInsert(id, grainId, request.Kind, request.Partition ?? grainPartition ?? "", payload, request.MaxAttempts,
            request.Delay < TimeSpan.Zero ? TimeSpan.Zero : request.Delay));
        return id;
    }

    public void CancelJob(Guid jobId) => JobCancels.Add(jobId);

    public void RegisterReminder(GrainId grainId, string name, TimeSpan dueTime, TimeSpan period) =>
        Reminders.Add(new ReminderChange(grainId, name, dueTime, period));

    public void UnregisterReminder(GrainId grainId, string name) => Reminders.Add(new ReminderChange(grainId, name, TimeSpan.Zero, null));

    public void PublishEvent(GrainId source, StreamId stream, string type, object payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream.Namespace);
        ArgumentNullException.ThrowIfNull(stream.Key);
        var json = JsonSerializer.Serialize(payload, payload?.GetType() ?? typeof(object), RuntimeJson.Options);
        Events.Add(new EventAppend(stream, type, json, source));
    }

    public (int, int, int, int) Mark() => (Jobs.Count, JobCancels.Count, Reminders.Count, Events.Count);

    /// <summary>Drops what a failed nested call buffered (nested calls in a turn are awaited one after the other).</summary>
    public void RollbackTo((int Jobs, int Cancels, int Reminders, int Events) mark)
    {
        Jobs.RemoveRange(mark.Jobs, Jobs.Count - mark.Jobs);
        JobCancels.RemoveRange(mark.Cancels, JobCancels.Count - mark.Cancels);
        Reminders.RemoveRange(mark.Reminders, Reminders.Count - mark.Reminders);
        Events.RemoveRange(mark.Events, Events.Count - mark.Events);
    }
}
