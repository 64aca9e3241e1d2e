namespace Orleans.Media.Grains.Notifications;

/// <summary>The sink of each configured topic (implemented by the silo, which owns the transports).</summary>
public interface INotificationSinks
{
    /// <summary>The topic's sink; throws when the topic is not configured.</summary>
    INotificationSink Get(string topic);
}
