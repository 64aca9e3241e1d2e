using Orleans.Concurrency;

namespace Orleans.Media.Grains.Notifications;

/// <summary>
/// One notification message (key = <see cref="NotificationMessage.Id"/>) and its durable delivery: at least once,
/// retried with exponential backoff up to the topic's <c>MaxAttempts</c>, then dead-lettered.
/// </summary>
public interface INotificationGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records delivery of <paramref name="message"/> to <paramref name="topic"/> and starts it. Idempotent: a message
    /// already sent to that topic is left as it is. A topic that is not configured (task creation refuses those; it
    /// may have been removed since) dead-letters that delivery at once instead of failing the caller.
    /// </summary>
    Task Send(NotificationMessage message, string topic);

    /// <summary>
    /// Delivers the same message (same id) again to every topic whose delivery is finished (delivered or
    /// dead-lettered) and still configured. ResourceNotFound for an unknown message; StatusConflict while every
    /// delivery is still pending; InvalidArgument when none of the finished deliveries has a configured topic.
    /// </summary>
    Task<NotificationState> Replay();

    /// <summary>The message and its deliveries; null when no message has this id.</summary>
    [ReadOnly]
    Task<NotificationState?> Get();
}
