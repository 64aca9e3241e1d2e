using System.Text.Json;

namespace Orleans.Media.Grains.Notifications;

/// <summary>
/// The notification state machine: per topic Pending → Delivered | DeadLettered, and Replay back to Pending. Each
/// transition checks its precondition; the grain performs the attempts.
/// </summary>
public static class NotificationTransitions
{
    /// <summary>Adds a delivery of <paramref name="message"/> to <paramref name="topic"/>; unchanged when it has one already.</summary>
    public static NotificationState Send(NotificationState state, NotificationMessage message, string topic, bool topicExists, DateTimeOffset now)
    {
        if (state.Deliveries.Any(d => d.Topic == topic))
        {
            return state; // Already sent (a task flushing its outbox again): at most one delivery per topic.
        }

        // Every topic gets the message as first stored: one id, one content.
        var delivery = topicExists
            ? new NotificationDelivery(topic, NotificationStatus.Pending, 0, 0, null, now, 0, now)
            // Task creation refuses unknown topics; one removed from the configuration since must not fail the task's
            // end: the message is kept dead-lettered, to replay once configured.
            : new NotificationDelivery(topic, NotificationStatus.DeadLettered, 0, 0, UnknownTopic(topic), now);
        var deliveries = state.Deliveries.Append(delivery).ToList();
        return state with
        {
            Message = state.Message ?? message,
            Project = state.Message is null ? ProjectOf(message) : state.Project,
            Deliveries = deliveries,
            Status = Summarize(deliveries),
            CreatedAt = state.Message is null ? now : state.CreatedAt,
            UpdatedAt = now,
        };
    }

    /// <summary>The deliveries due for an attempt now.</summary>
    public static IReadOnlyList<NotificationDelivery> Due(NotificationState state, DateTimeOffset now) =>
        state.Deliveries.Where(d => d.Status == NotificationStatus.Pending && (d.NextAttemptAt ?? now) <= now).ToList();

    /// <summary>When the next pending delivery is due; null when none is pending.</summary>
    public static DateTimeOffset? NextDue(NotificationState state)
    {
        var pending = state.Deliveries.Where(d => d.Status == NotificationStatus.Pending).ToList();
        return pending.Count == 0 ? null : pending.Min(d => d.NextAttemptAt ?? DateTimeOffset.MinValue);
    }

    public static NotificationState Delivered(NotificationState state, string topic, DateTimeOffset now) =>
        Update(state, topic, d => d with
        {
            Status = NotificationStatus.Delivered, Attempts = d.Attempts + 1, RoundAttempts = d.RoundAttempts + 1,
            LastError = null, UpdatedAt = now, NextAttemptAt = null,
        });

    /// <summary>A failed attempt: retried after <paramref name="retryDelay"/>, or dead-lettered after <paramref name="maxAttempts"/> in this round.</summary>
    public static NotificationState Failed(NotificationState state, string topic, string error, int maxAttempts, TimeSpan retryDelay, DateTimeOffset now) =>
        Update(state, topic, d => d.RoundAttempts + 1 >= maxAttempts
            ? d with
            {
                Status = NotificationStatus.DeadLettered, Attempts = d.Attempts + 1, RoundAttempts = d.RoundAttempts + 1,
                LastError = error, UpdatedAt = now, NextAttemptAt = null,
            }
            : d with { Attempts = d.Attempts + 1, RoundAttempts = d.RoundAttempts + 1, LastError = error, NextAttemptAt = now + retryDelay });

    /// <summary>A topic removed from the configuration while its delivery was pending: dead-lettered until replayed.</summary>
    public static NotificationState TopicGone(NotificationState state, string topic, DateTimeOffset now) =>
        Update(state, topic, d => d with { Status = NotificationStatus.DeadLettered, LastError = UnknownTopic(topic), UpdatedAt = now, NextAttemptAt = null });

    /// <summary>
    /// Delivers the same message again to every topic whose delivery is finished and still configured.
    /// ResourceNotFound for an unknown message; StatusConflict while every delivery is pending; InvalidArgument when
    /// none of the finished deliveries has a configured topic.
    /// </summary>
    public static NotificationState Replay(NotificationState state, string messageId, Func<string, bool> topicExists, DateTimeOffset now)
    {
        if (state.Message is null)
        {
            throw ServiceException.NotFound($"The notification {messageId} does not exist.");
        }

        var replayable = state.Deliveries.Where(d => d.Status != NotificationStatus.Pending).ToList();
        if (replayable.Count == 0)
        {
            throw ServiceException.Conflict($"The notification {messageId} is still being delivered.");
        }

        if (replayable.All(d => !topicExists(d.Topic)))
        {
            throw ServiceException.InvalidArgument(UnknownTopic(replayable[0].Topic));
        }

        var deliveries = state.Deliveries.Select(d => d.Status == NotificationStatus.Pending || !topicExists(d.Topic)
            ? d // In flight, or still nowhere to deliver to: stays dead-lettered.
            : d with { Status = NotificationStatus.Pending, Replays = d.Replays + 1, RoundAttempts = 0, UpdatedAt = now, NextAttemptAt = now }).ToList();
        return state with { Deliveries = deliveries, Status = Summarize(deliveries), UpdatedAt = now };
    }

    public static string UnknownTopic(string topic) => $"The notification topic '{topic}' does not exist.";

    private static NotificationState Update(NotificationState state, string topic, Func<NotificationDelivery, NotificationDelivery> change)
    {
        var deliveries = state.Deliveries.Select(d => d.Topic == topic ? change(d) : d).ToList();
        return state with { Deliveries = deliveries, Status = Summarize(deliveries), UpdatedAt = deliveries.Max(d => d.UpdatedAt) };
    }

    private static NotificationStatus Summarize(IReadOnlyList<NotificationDelivery> deliveries) =>
        deliveries.Any(d => d.Status == NotificationStatus.DeadLettered) ? NotificationStatus.DeadLettered
        : deliveries.Any(d => d.Status == NotificationStatus.Pending) ? NotificationStatus.Pending
        : NotificationStatus.Delivered;

    /// <summary>The project named in an IMM content; "" for other messages.</summary>
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
