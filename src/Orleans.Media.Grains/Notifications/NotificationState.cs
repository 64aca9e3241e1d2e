namespace Orleans.Media.Grains.Notifications;

/// <summary>
/// A notification message and its deliveries (one per topic it was sent to). <see cref="Status"/> summarizes them
/// (dead-lettered if any is, else pending if any is, else delivered) so the admin listing can query it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NotificationState
{
    [Id(0)] public NotificationMessage? Message { get; init; }

    /// <summary>The project the message is about.</summary>
    [Id(1)] public string Project { get; init; } = "";

    [Id(2)] public NotificationStatus Status { get; init; }

    [Id(3)] public IReadOnlyList<NotificationDelivery> Deliveries { get; init; } = [];

    [Id(4)] public DateTimeOffset CreatedAt { get; init; }

    [Id(5)] public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Increases with every write: orders the listing index's copies.</summary>
    [Id(6)] public long Revision { get; init; }
}
