namespace Orleans.Media.Grains.Notifications;

[GenerateSerializer]
public enum NotificationStatus
{
    /// <summary>A delivery job is queued or running (retrying with backoff).</summary>
    Pending,

    /// <summary>The sink accepted the message.</summary>
    Delivered,

    /// <summary>Every attempt failed; kept for inspection and <see cref="INotificationGrain.Replay"/>.</summary>
    DeadLettered,
}
