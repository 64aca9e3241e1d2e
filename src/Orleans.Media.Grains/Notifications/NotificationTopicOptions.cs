namespace Orleans.Media.Grains.Notifications;

/// <summary>
/// One topic (<c>OrleansMedia:Notifications:Topics:&lt;TopicName&gt;</c>): the sink that receives what tasks send to
/// <c>Notification.MNS.TopicName</c> or <c>Notification.RocketMQ.TopicName</c>.
/// </summary>
public sealed class NotificationTopicOptions
{
    public NotificationSinkKind Kind { get; set; }

    /// <summary>Delivery attempts before the message is dead-lettered (backoff doubles between attempts).</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Webhook: the absolute http(s) URL to POST to.</summary>
    public string? Url { get; set; }

    /// <summary>Webhook: the HMAC-SHA256 key of the <c>X-OrleansMedia-Signature</c> header (at least 16 characters).</summary>
    public string? Secret { get; set; }

    /// <summary>An attempt without a response (webhook) or a broker confirm (AMQP) after this many seconds failed.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>AMQP: <c>amqp://user:password@host:port/vhost</c> (or <c>amqps://</c>).</summary>
    public string? Uri { get; set; }

    /// <summary>AMQP: the exchange to publish to; empty = the default exchange (then the routing key is a queue name).</summary>
    public string? Exchange { get; set; }

    /// <summary>AMQP: the routing key of every message of the topic.</summary>
    public string? RoutingKey { get; set; }
}
