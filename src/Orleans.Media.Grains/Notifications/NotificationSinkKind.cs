namespace Orleans.Media.Grains.Notifications;

/// <summary>Where a topic's messages go.</summary>
public enum NotificationSinkKind
{
    /// <summary>An HTTP POST of the envelope, signed with the topic's secret.</summary>
    Webhook,

    /// <summary>A persistent message published to a RabbitMQ exchange with publisher confirms.</summary>
    Amqp,
}
