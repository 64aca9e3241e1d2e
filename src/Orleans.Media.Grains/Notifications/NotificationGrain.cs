using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Media.Runtime;

namespace Orleans.Media.Grains.Notifications;

/// <summary>
/// Owns one message's deliveries. Each delivery is a "notification-delivery" job (partition = the project) whose
/// outcome turn records Delivered or DeadLettered; retries and backoff are the runtime's job retries.
/// </summary>
[GrainType("notification")]
public sealed class NotificationGrain(INotificationTopics topics, TimeProvider time, ILogger<NotificationGrain> logger)
    : Grain<NotificationState>, INotificationGrain, IJobOutcomeReceiver
{
    public Task Send(NotificationMessage message, string topic)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (message.Id != GrainId.Key)
        {
            throw new ArgumentException($"Message {message.Id} sent to the notification grain {GrainId.Key}.", nameof(message));
        }
        if (State.Deliveries.Any(d => d.Topic == topic))
        {
            return Task.CompletedTask; // Already sent (a retried task turn, a duplicate call): at most one delivery per topic.
        }
        var now = time.GetUtcNow();
        // Every topic gets the message as first stored: one id, one content.
        var stored = State.Message ?? message;
        var project = State.Message is null ? ProjectOf(message) : State.Project;
        Partition = project;
        NotificationDelivery delivery;
        if (topics.Exists(topic))
        {
            delivery = new NotificationDelivery(topic, NotificationStatus.Pending, Schedule(stored, topic, topics.Get(topic), project), 0, 0, null, now);
            NotificationLog.Scheduled(logger, message.Id, message.Type, topic);
        }
        else
        {
            // Task creation refuses unknown topics; one removed from the configuration since must not fail the task's
            // end (its turn would be retried forever): the message is kept dead-lettered, to replay once configured.
            var error = UnknownTopic(topic);
            delivery = new NotificationDelivery(topic, NotificationStatus.DeadLettered, Guid.Empty, 0, 0, error, now);
            NotificationLog.DeadLettered(logger, message.Id, topic, 0, error);
        }
        var deliveries = State.Deliveries.Append(delivery).ToList();
        State = State with
        {
            Message = stored,
            Project = project,
            Deliveries = deliveries,
            Status = Summarize(deliveries),
            CreatedAt = State.Message is null ? now : State.CreatedAt,
            UpdatedAt = now,
        };
        return Task.CompletedTask;
    }

    public Task<NotificationState> Replay()
    {
        if (State.Message is not { } message)
        {
            throw ServiceException.NotFound($"The notification {GrainId.Key} does not exist.");
        }
        var replayable = State.Deliveries.Where(d => d.Status != NotificationStatus.Pending).ToList();
        if (replayable.Count == 0)
        {
            throw ServiceException.Conflict($"The notification {GrainId.Key} is still being delivered.");
        }
        if (replayable.All(d => !topics.Exists(d.Topic)))
        {
            throw ServiceException.InvalidArgument(UnknownTopic(replayable[0].Topic));
        }
        var now = time.GetUtcNow();
        Partition = State.Project;
        var deliveries = State.Deliveries.Select(d =>
        {
            if (d.Status == NotificationStatus.Pending || !topics.Exists(d.Topic))
            {
                return d; // In flight, or still nowhere to deliver to: stays dead-lettered.
            }
            var jobId = Schedule(message, d.Topic, topics.Get(d.Topic), State.Project);
            NotificationLog.Replayed(logger, message.Id, d.Topic);
            return d with { Status = NotificationStatus.Pending, JobId = jobId, Replays = d.Replays + 1, UpdatedAt = now };
        }).ToList();
        State = State with { Deliveries = deliveries, Status = Summarize(deliveries), UpdatedAt = now };
        return Task.FromResult(State);
    }

    public Task<NotificationState?> Get() => Task.FromResult(State.Message is null ? null : State);

    public Task OnJobCompletedAsync(JobOutcome outcome)
    {
        var index = State.Deliveries.ToList().FindIndex(d => d.JobId == outcome.JobId);
        if (index < 0 || State.Message is not { } message)
        {
            return Task.CompletedTask; // The outcome of a job this state no longer tracks.
        }
        var now = time.GetUtcNow();
        var current = State.Deliveries[index];
        var attempts = current.Attempts + outcome.Attempts;
        var updated = outcome.Succeeded
            ? current with { Status = NotificationStatus.Delivered, Attempts = attempts, LastError = null, UpdatedAt = now }
            : current with { Status = NotificationStatus.DeadLettered, Attempts = attempts, LastError = outcome.Error, UpdatedAt = now };
        if (outcome.Succeeded)
        {
            NotificationLog.Delivered(logger, message.Id, current.Topic, outcome.Attempts);
        }
        else
        {
            NotificationLog.DeadLettered(logger, message.Id, current.Topic, outcome.Attempts, outcome.Error);
        }
        var deliveries = State.Deliveries.ToList();
        deliveries[index] = updated;
        State = State with { Deliveries = deliveries, Status = Summarize(deliveries), UpdatedAt = now };
        return Task.CompletedTask;
    }

    private Guid Schedule(NotificationMessage message, string topic, NotificationTopicOptions settings, string project) =>
        ScheduleJob(new JobRequest(NotificationDeliveryHandler.Kind, new NotificationDeliveryJob(message, topic))
        {
            Partition = Projects.ProjectJobPartitions.Housekeeping(project),
            MaxAttempts = settings.MaxAttempts,
        });

    private static string UnknownTopic(string topic) => $"The notification topic '{topic}' does not exist.";

    private static NotificationStatus Summarize(IReadOnlyList<NotificationDelivery> deliveries) =>
        deliveries.Any(d => d.Status == NotificationStatus.DeadLettered) ? NotificationStatus.DeadLettered
        : deliveries.Any(d => d.Status == NotificationStatus.Pending) ? NotificationStatus.Pending
        : NotificationStatus.Delivered;

    /// <summary>The project named in an IMM content; "" for other messages (the default job partition).</summary>
    private static string ProjectOf(NotificationMessage message)
    {
        try
        {
            using var doc = JsonDocument.Parse(message.Content);
            return doc.RootElement.ValueKind == JsonValueKind.Object &&
                   doc.RootElement.TryGetProperty("ProjectName", out var p) && p.ValueKind == JsonValueKind.String
                ? p.GetString() ?? ""
                : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }
}
