namespace Orleans.Media.Grains.Notifications;

/// <summary>The delivery of a message to one topic.</summary>
/// <param name="Topic">The configured topic.</param>
/// <param name="Status">Where the current delivery stands.</param>
/// <param name="Attempts">Attempts made over every delivery of this message to this topic (first send and replays).</param>
/// <param name="Replays">How many times the delivery was replayed.</param>
/// <param name="LastError">Why the last failed attempt failed.</param>
/// <param name="UpdatedAt">When the status last changed.</param>
/// <param name="RoundAttempts">Attempts of the current round (the first send or the latest replay), against the topic's MaxAttempts.</param>
/// <param name="NextAttemptAt">When a pending delivery is next attempted.</param>
[GenerateSerializer, Immutable]
public sealed record NotificationDelivery(
    string Topic,
    NotificationStatus Status,
    int Attempts,
    int Replays,
    string? LastError,
    DateTimeOffset UpdatedAt,
    int RoundAttempts = 0,
    DateTimeOffset? NextAttemptAt = null);
