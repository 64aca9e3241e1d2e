namespace Orleans.Media.Grains.Notifications;

/// <summary>
/// Delivers messages of one topic to the outside (webhook, AMQP). Returning means the receiver has the message;
/// throwing fails the attempt (the delivery job retries it). Called at least once per message: receivers deduplicate
/// by <see cref="NotificationMessage.Id"/>.
/// </summary>
public interface INotificationSink
{
    Task DeliverAsync(NotificationMessage message, CancellationToken cancellationToken);
}
