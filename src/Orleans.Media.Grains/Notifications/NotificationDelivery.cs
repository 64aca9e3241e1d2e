namespace Orleans.Media.Grains.Notifications;

/// <summary>The delivery of a message to one topic.</summary>
/// <param name="Topic">The configured topic.</param>
/// <param name="Status">Where the current delivery stands.</param>
/// <param name="JobId">The delivery job in flight (or the last one).</param>
/// <param name="Attempts">Attempts made over every delivery of this message to this topic (first send and replays).</param>
/// <param name="Replays">How many times the delivery was replayed.</param>
/// <param name="LastError">Why the last dead-lettered delivery failed.</param>
/// <param name="UpdatedAt">When the status last changed.</param>
public sealed record NotificationDelivery(
    string Topic,
    NotificationStatus Status,
    Guid JobId,
    int Attempts,
    int Replays,
    string? LastError,
    DateTimeOffset UpdatedAt);
