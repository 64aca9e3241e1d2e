namespace Orleans.Media.Grains.Notifications;

/// <summary>
/// A notification message and its deliveries (one per topic it was sent to). <see cref="Status"/> summarizes them
/// (dead-lettered if any is, else pending if any is, else delivered) so the admin listing can query it.
/// </summary>
public sealed record NotificationState
{
    public NotificationMessage? Message { get; init; }

    /// <summary>The project the message is about (the delivery jobs' fairness partition).</summary>
    public string Project { get; init; } = "";

    public NotificationStatus Status { get; init; }

    public IReadOnlyList<NotificationDelivery> Deliveries { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}
